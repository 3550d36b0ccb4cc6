import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { Agent, request, type Dispatcher } from "undici";
import type { Logger } from "@switchyard/runtime";
import { header, idleGuardedBody, readBody } from "./http-body.js";

/** What a job update told us, observed on its way to GitLab. */
export interface ObservedJobUpdate {
  jobId: number;
  /** `running`, `success`, `failed`, ... as the runner sent it. */
  state: string | null;
  failureReason: string | null;
  /** GitLab's answer: 200 accepted, 202 retry later, 403 job no longer running, ... */
  status: number;
  jobStatus: string | null;
}

/** Streams every other `/api/v4/jobs/:id/...` call to GitLab with headers and status intact. */
export interface JobProxy {
  forward(req: IncomingMessage, res: ServerResponse): Promise<void>;
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

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host"]);
const JOB_UPDATE = /^\/api\/v4\/jobs\/(\d+)$/;
const JOB_SCOPE = /^\/api\/v4\/jobs\/(\d+)(\/|$)/;

/**
 * The path GitLab would route `rawUrl` to, when that stays inside /api/v4/jobs/:id; null otherwise.
 * Workhorse and URL parsers resolve `.`/`..` segments (also written %2e) and some treat `\` as `/`,
 * so a raw `/api/v4/jobs/1/../../runners/all` would reach any GitLab endpoint through the broker.
 * Such paths are refused outright rather than normalised: gitlab-runner never sends them.
 */
export function jobScopedPath(rawUrl: string): { jobId: number; path: string } | null {
  const q = rawUrl.indexOf("?");
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (rawPath.includes("\\") || /%(2f|5c|00)/i.test(rawPath)) return null;
  for (const segment of rawPath.split("/")) {
    let decoded: string;
    try { decoded = decodeURIComponent(segment); } catch { return null; }
    if (decoded === "." || decoded === "..") return null;
  }
  const raw = JOB_SCOPE.exec(rawPath);
  // Belt and braces: the URL actually sent upstream must still name the same job.
  const sent = new URL(rawUrl, "http://gitlab.invalid");
  const normalised = JOB_SCOPE.exec(sent.pathname);
  if (!raw || !normalised || raw[1] !== normalised[1]) return null;
  return { jobId: Number(raw[1]), path: sent.pathname + sent.search };
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
    async forward(req, res) {
      const scoped = jobScopedPath(req.url ?? "/");
      if (!scoped) {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ message: "400 Bad request - path outside /api/v4/jobs/:id" }));
        return;
      }
      const path = scoped.path;
      const update = req.method === "PUT" ? JOB_UPDATE.exec(path.split("?")[0] ?? "") : null;
      const seen = /^\/api\/v4\/jobs\/(\d+)/.exec(path);
      // The job update itself is observed below (it also publishes the "started" outcome).
      if (seen && !update && header(req, "job-token")) deps.onJobSeen?.(Number(seen[1]));
      let body: Buffer | Readable | undefined;
      let state: string | null = null;
      let failureReason: string | null = null;
      let stalled = false;
      if (update) {
        // Job updates are read whole so the outcome can be observed; they are tiny.
        body = await readBody(req, deps.maxUpdateBytes, deps.bodyDeadlineMs);
        try {
          const parsed = JSON.parse(body.toString("utf8")) as { state?: unknown; failure_reason?: unknown };
          state = typeof parsed.state === "string" ? parsed.state : null;
          failureReason = typeof parsed.failure_reason === "string" ? parsed.failure_reason : null;
        } catch {
          // Not JSON: GitLab will answer 400 itself; we pass it through.
        }
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
      const jobStatusHeader = upstream.headers["job-status"];
      const jobStatus = Array.isArray(jobStatusHeader) ? (jobStatusHeader[0] ?? null) : (jobStatusHeader ?? null);
      // Only what GitLab accepted says anything about the job: a 2xx, or a 403 carrying Job-Status
      // (lib/api/ci/helpers/runner.rb job_forbidden!). A bare 403/4xx is GitLab refusing the sender
      // (wrong or missing job token), which anyone who can reach the broker can provoke.
      const accepted = (upstream.statusCode >= 200 && upstream.statusCode < 300) || (upstream.statusCode === 403 && jobStatus !== null);
      if (update && accepted) {
        deps.onJobUpdate({
          jobId: Number(update[1]),
          state,
          failureReason,
          status: upstream.statusCode,
          jobStatus,
        });
      } else if (!update && upstream.statusCode === 403) {
        const js = header(req, "job-token") ? upstream.headers["job-status"] : undefined;
        if (typeof js === "string") {
          const jobId = Number(/^\/api\/v4\/jobs\/(\d+)/.exec(path)?.[1]);
          if (jobId) deps.onJobUpdate({ jobId, state: null, failureReason: null, status: 403, jobStatus: js });
        }
      }
    },
    close: () => dispatcher.close(),
  };
}
