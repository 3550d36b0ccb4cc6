import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { Agent, request, type Dispatcher } from "undici";
import type { Logger } from "@switchyard/runtime";
import { HEADER, headerValue, HOP_BY_HOP } from "../protocol/headers.js";
import { isNotRunning, speaksOfJob } from "../protocol/job-status.js";
import { readJobUpdateBody, type ObservedJobUpdate } from "../protocol/job-update.js";
import { isJobUpdate, type JobRoute } from "../protocol/paths.js";
import { idleGuardedBody, readBody } from "./http-body.js";

/** Streams every other `/api/v4/jobs/:id/...` call to GitLab with headers and status intact. */
export interface JobProxy {
  /** `route` is the call's matchJobRoute: only a path the guard let through can be forwarded. */
  forward(req: IncomingMessage, res: ServerResponse, route: JobRoute): Promise<void>;
  close(): Promise<void>;
}

export interface JobProxyDeps {
  gitlabUrl: string;
  log: Logger;
  /** Job updates (PUT /jobs/:id) are small JSON; larger ones are refused. */
  maxUpdateBytes: number;
  /** A job update must arrive whole within this (408 otherwise). */
  bodyDeadlineMs?: number;
  /** A streamed body (trace, artifacts) that brings no byte for this long is ended with 408. */
  bodyIdleTimeoutMs?: number;
  /** Counts bodies ended for being too slow. */
  onSlowBody?: (kind: "headers" | "deadline" | "idle") => void;
  onJobUpdate: (update: ObservedJobUpdate) => void;
  /** Any call made with a job's token: proof that a runner received that job. */
  onJobSeen?: (jobId: number) => void;
}

export function createJobProxy(deps: JobProxyDeps): JobProxy {
  const base = new URL(deps.gitlabUrl);
  let lastStallLog = 0;
  const dispatcher: Dispatcher = new Agent({ connections: 256, headersTimeout: 600_000, bodyTimeout: 3_600_000 });

  function forwardHeaders(req: IncomingMessage): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      out[name] = value;
    }
    out["x-forwarded-for"] = req.socket.remoteAddress ?? "";
    return out;
  }

  return {
    async forward(req, res, route) {
      const path = route.path;
      const update = isJobUpdate(req.method, route);
      const jobToken = headerValue(req.headers, HEADER.jobToken);
      // The job update itself is observed below (it also publishes the "started" outcome).
      if (!update && jobToken) deps.onJobSeen?.(route.jobId);
      let body: Buffer | Readable | undefined;
      let sent: Pick<ObservedJobUpdate, "state" | "failureReason"> = { state: null, failureReason: null };
      let stalled = false;
      if (update) {
        // Job updates are read whole so the outcome can be observed; they are tiny.
        body = await readBody(req, deps.maxUpdateBytes, deps.bodyDeadlineMs);
        sent = readJobUpdateBody(body);
      } else if (req.method !== "GET" && req.method !== "HEAD") {
        body = idleGuardedBody(req, deps.bodyIdleTimeoutMs ?? 60_000, () => {
          stalled = true;
          deps.onSlowBody?.("idle");
          // Counted every time, logged at most once a minute: a slow-body flood must not flood the log.
          if (Date.now() - lastStallLog > 60_000) {
            lastStallLog = Date.now();
            deps.log.warn({ path: path.split("?")[0], idleMs: deps.bodyIdleTimeoutMs ?? 60_000 }, "request body stalled; closing the connection");
          }
          if (!res.headersSent) {
            res.shouldKeepAlive = false;
            res.writeHead(408, { "content-type": "application/json", connection: "close" })
              .end(JSON.stringify({ message: "408 Request Timeout" }), () => req.destroy());
          } else {
            req.destroy();
          }
        });
      }
      const upstream = await request(new URL(path, base), {
        method: req.method as Dispatcher.HttpMethod,
        headers: forwardHeaders(req),
        body,
        dispatcher,
      }).catch((err: unknown) => {
        if (!stalled) deps.log.warn({ err: (err as Error).message, path: path.split("?")[0] }, "proxy to GitLab failed");
        return null;
      });
      if (!upstream) {
        if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ message: "502 Bad Gateway" }));
        return;
      }
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(upstream.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      res.writeHead(upstream.statusCode, headers);
      for await (const chunk of upstream.body) {
        if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
      }
      res.end();
      const jobStatus = headerValue(upstream.headers, HEADER.jobStatus);
      // Only an answer about the job says anything about it; a refused sender (a forged PUT) does not.
      if (update && speaksOfJob({ status: upstream.statusCode, jobStatus })) {
        deps.onJobUpdate({ jobId: route.jobId, ...sent, status: upstream.statusCode, jobStatus });
      } else if (!update && jobToken && route.jobId && isNotRunning({ status: upstream.statusCode, jobStatus })) {
        // A trace or artifact call GitLab refused because the job ended: as telling as the update would be.
        deps.onJobUpdate({ jobId: route.jobId, state: null, failureReason: null, status: upstream.statusCode, jobStatus });
      }
    },
    close: () => dispatcher.close(),
  };
}
