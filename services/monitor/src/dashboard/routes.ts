import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { Logger, RouteHandler } from "@switchyard/runtime";
import type { ApprovalReplier } from "./approval-replies.js";
import { approverName, type DashboardAuth } from "./auth.js";
import type { SafeHtml } from "./html.js";
import { renderLayout, renderPanels, type AuthBar } from "./layout.js";
import { renderApprovalsPanel, type ApprovalAccess } from "./panels/approvals-panel.js";
import { renderBreakerPanel } from "./panels/breaker-panel.js";
import { renderDecisionsPanel } from "./panels/decisions-panel.js";
import { renderQueuePanel } from "./panels/queue-panel.js";
import { renderRunnersPanel } from "./panels/runners-panel.js";
import { renderShadowFifoPanel } from "./panels/shadow-fifo-panel.js";
import { renderSliPanel } from "./panels/sli-panel.js";
import type { SnapshotReader } from "./snapshot.js";

export interface DashboardRouteDeps {
  read: SnapshotReader;
  auth: DashboardAuth;
  replier: ApprovalReplier;
  log: Logger;
  diskThreshold: number;
  refreshMs: number;
}

const HTML = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" };
const APPROVAL_PATH = /^\/dashboard\/approvals\/([^/]{1,400})\/(approve|reject)$/;

/** Resolves htmx from its npm package (vendored at install time, no CDN, no build). */
export function loadHtmx(): Buffer {
  return readFileSync(createRequire(import.meta.url).resolve("htmx.org/dist/htmx.min.js"));
}

/**
 * idiomorph's htmx extension: a refresh morphs the panels into the new HTML instead of replacing them, so
 * unchanged nodes (an Approve button, a focused element) stay the same nodes. Replacing every refreshMs
 * detached the button under a click in progress, and a click could be lost.
 */
export function loadMorph(): Buffer {
  return readFileSync(createRequire(import.meta.url).resolve("idiomorph/dist/idiomorph-ext.min.js"));
}

/** Serves the dashboard page, its refreshing panels, htmx, sign-in and approval answers. */
export function createDashboardRoutes(deps: DashboardRouteDeps): RouteHandler {
  let htmx: Buffer | undefined;
  let morph: Buffer | undefined;
  const log = deps.log.child({ component: "dashboard" });

  const access = (req: IncomingMessage): ApprovalAccess => {
    if (!deps.auth.configured) return { allowed: false, reason: "no dashboardToken is configured on the monitor (SWITCHYARD_DASHBOARD_TOKEN)" };
    const name = deps.auth.signedIn(req);
    return name ? { allowed: true, by: name } : { allowed: false, reason: "sign in with the dashboard token to approve or reject" };
  };

  async function panels(req: IncomingMessage, flash?: string): Promise<SafeHtml> {
    const s = await deps.read();
    return renderPanels({
      at: s.at, unreadable: s.unreadable, ...(flash ? { flash } : {}),
      breaker: renderBreakerPanel({ breaker: s.breaker, at: s.at }),
      approvals: renderApprovalsPanel({ approvals: s.approvals, access: access(req), sent: deps.replier.sent(), at: s.at }),
      runners: renderRunnersPanel({ runners: s.runners, runningJobs: s.runningJobs, diskThreshold: deps.diskThreshold, at: s.at }),
      queue: renderQueuePanel({ queues: s.queues, at: s.at }),
      sli: renderSliPanel({ sli: s.sli }),
      shadowFifo: renderShadowFifoPanel({ report: s.shadowFifo, at: s.at }),
      decisions: renderDecisionsPanel({ decisions: s.decisions }),
    });
  }

  function authBar(req: IncomingMessage, url: URL): AuthBar {
    if (!deps.auth.configured) return { kind: "not-configured" };
    const name = deps.auth.signedIn(req);
    if (name) return { kind: "signed-in", name };
    return url.searchParams.get("login") === "failed" ? { kind: "signed-out", error: "wrong token" } : { kind: "signed-out" };
  }

  const redirect = (res: ServerResponse, location: string, cookie?: string): true => {
    res.writeHead(303, { location, "cache-control": "no-store", ...(cookie ? { "set-cookie": cookie } : {}) }).end();
    return true;
  };
  const refuse = (res: ServerResponse, status: number, text: string): true => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
    return true;
  };

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard.local");
    const path = url.pathname;
    if (req.method === "GET" && path === "/") return redirect(res, "/dashboard");
    if (!path.startsWith("/dashboard")) return false;

    if (req.method === "GET" && path === "/dashboard") {
      const token = url.searchParams.get("token");
      if (token !== null) {
        // ?token= once → cookie, then a clean URL so the token stays out of history and logs.
        const ok = deps.auth.checkToken(token);
        if (!ok) log.warn("dashboard sign-in with a wrong token");
        return redirect(res, ok ? "/dashboard" : "/dashboard?login=failed", ok ? deps.auth.sessionCookie(approverName(url.searchParams.get("name"))) : undefined);
      }
      const page = renderLayout({ panels: await panels(req), auth: authBar(req, url), refreshMs: deps.refreshMs });
      res.writeHead(200, HTML).end(page.value);
      return true;
    }
    if (req.method === "GET" && path === "/dashboard/panels") {
      res.writeHead(200, HTML).end((await panels(req)).value);
      return true;
    }
    if (req.method === "GET" && path === "/dashboard/htmx.min.js") {
      htmx ??= loadHtmx();
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=3600" }).end(htmx);
      return true;
    }
    if (req.method === "GET" && path === "/dashboard/idiomorph-ext.min.js") {
      morph ??= loadMorph();
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=3600" }).end(morph);
      return true;
    }
    if (req.method === "POST" && path === "/dashboard/login") {
      const body = await readBody(req, LOGIN_BODY_LIMIT);
      if (body === null) {
        // The rest of the body is not read: answer, then drop the connection.
        res.shouldKeepAlive = false;
        res.writeHead(413, { "content-type": "text/plain; charset=utf-8", connection: "close" })
          .end(`sign-in form too large: at most ${LOGIN_BODY_LIMIT} bytes\n`, () => req.destroy());
        return true;
      }
      const form = new URLSearchParams(body);
      const ok = deps.auth.checkToken(form.get("token") ?? "");
      if (!ok) log.warn("dashboard sign-in with a wrong token");
      return redirect(res, ok ? "/dashboard" : "/dashboard?login=failed", ok ? deps.auth.sessionCookie(approverName(form.get("name"))) : undefined);
    }
    if (req.method === "POST" && path === "/dashboard/logout") {
      return redirect(res, "/dashboard", deps.auth.clearCookie());
    }
    const match = req.method === "POST" ? APPROVAL_PATH.exec(path) : null;
    if (match) {
      // htmx sets HX-Request; a cross-site form cannot, so this header plus SameSite=Strict stops CSRF.
      if (req.headers["hx-request"] !== "true") return refuse(res, 403, "approvals are answered from the dashboard page");
      const who = access(req);
      if (!who.allowed) return refuse(res, 403, who.reason);
      let decisionId: string;
      try { decisionId = decodeURIComponent(match[1] ?? ""); } catch { decisionId = ""; }
      if (decisionId.length === 0 || decisionId.length > 128) return refuse(res, 400, "bad decision id");
      const approved = match[2] === "approve";
      const answer = await deps.replier.answer(decisionId, approved, who.by);
      const flash = answer.result === "accepted"
        ? `${approved ? "Approved" : "Rejected"} decision ${decisionId} as ${who.by}.`
        : `Not ${approved ? "approved" : "rejected"}: ${answer.message}.`;
      res.writeHead(200, HTML).end((await panels(req, flash)).value);
      return true;
    }
    return false;
  };
}

/** A sign-in form is a token and a name; anything bigger is refused with 413. */
const LOGIN_BODY_LIMIT = 4096;

/** The body as text, or null when it is over `limit` bytes (then it is not read to its end). */
async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
