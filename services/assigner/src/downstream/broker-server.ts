import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@switchyard/runtime";
import type { Counter, Histogram } from "prom-client";
import type { DispatchQueue } from "../queue/dispatch-queue.js";
import { rewriteForHandoff } from "../upstream/job-payload.js";
import { BodyTimeout, BodyTooLarge, header, parseJsonObject, readBody } from "./http-body.js";
import { jobScopedPath, type JobProxy } from "./job-proxy.js";
import type { PollWaiters } from "./poll-waiters.js";
import type { BackgroundFailure, RegisteredRunner, RunnerRegistry } from "@switchyard/runtime";

export interface BrokerMetrics {
  requests: Counter<"endpoint" | "status">;
  handoffs: Counter<"pool">;
  handoffSeconds: Histogram<"pool">;
}

export interface BrokerServerDeps {
  registry: RunnerRegistry;
  queue: DispatchQueue;
  waiters: PollWaiters;
  proxy: JobProxy;
  log: Logger;
  metrics: BrokerMetrics;
  longPollMs: number;
  /** How long a poll may be held before Switchyard answers 204, at most. */
  maxBodyBytes: number;
  /** An authenticated jobs/request or verify, with its JSON body (features, system_id, session). */
  onRunnerPoll?: (runner: RegisteredRunner, body: Record<string, unknown>) => void;
  /** Slow clients: complete headers within `headersMs`, a JSON body within `bodyDeadlineMs`. */
  timeouts?: { headersMs: number; bodyDeadlineMs: number };
  /** Counts requests ended for being too slow. */
  onSlowBody?: (kind: "headers" | "deadline" | "idle") => void;
  /** A runner asked for work: the pool has a free slot. */
  onRunnerAsking: (runner: RegisteredRunner) => void;
  /** A runner stopped asking (poll answered or gone). */
  onRunnerGone: (runner: RegisteredRunner) => void;
  /** A job was handed to a runner. */
  onHandoff: (runner: RegisteredRunner, jobId: number, holdSeconds: number) => void;
  /** Catch handler for calls nobody waits for (counted, logged once). */
  background: BackgroundFailure;
  now?: () => number;
}

export interface BrokerServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const JOB_PATH = /^\/api\/v4\/jobs\/\d+(\/|$)/;
/** How often a held poll looks for a reservation by itself; wake-ups normally come first. */
const RECHECK_MS = 5_000;

/** The GitLab side of Switchyard that downstream gitlab-runner processes talk to. */
export async function startBrokerServer(deps: BrokerServerDeps, host: string, port: number): Promise<BrokerServer> {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "broker" });
  const shutdown = new AbortController();

  const headersMs = deps.timeouts?.headersMs ?? 30_000;
  // Node checks header and request timeouts on this interval (30 s by default, too coarse for them).
  const server: Server = createServer({ connectionsCheckingInterval: Math.min(1_000, headersMs) }, (req, res) => {
    void route(req, res).catch((err: unknown) => {
      const status = err instanceof BodyTooLarge ? 413 : err instanceof BodyTimeout ? 408 : 500;
      if (err instanceof BodyTimeout) deps.onSlowBody?.(err.kind);
      if (status === 500) log.error({ err: (err as Error).message, path: req.url?.split("?")[0] }, "broker request failed");
      if (res.headersSent) { res.destroy(); return; }
      deps.metrics.requests.inc({ endpoint: "any", status: String(status) });
      // An oversized or stalled body is not read to its end: answer, then drop the connection.
      res.shouldKeepAlive = false;
      res.writeHead(status, { "content-type": "application/json", connection: "close" });
      const message = status === 413 ? "413 Request Entity Too Large" : status === 408 ? "408 Request Timeout" : "500 Internal Server Error";
      res.end(JSON.stringify({ message }), () => req.destroy());
    });
  });
  server.keepAliveTimeout = 75_000;
  // No whole-request limit: long polls and artifact uploads outlive any. Slow clients are bounded
  // instead by the header timeout (Node answers 408), the JSON body deadline and the upload idle timeout.
  server.requestTimeout = 0;
  server.headersTimeout = headersMs;
  // What Node does by default (408 on a header timeout, 400 on a malformed request, then close), plus a count.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    const timedOut = err.code === "ERR_HTTP_REQUEST_TIMEOUT";
    if (timedOut) deps.onSlowBody?.("headers");
    if (socket.writable && !(socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.end(timedOut ? "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n" : "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    }
    socket.destroy();
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "POST" && path === "/api/v4/jobs/request") return jobRequest(req, res);
    if (req.method === "POST" && path === "/api/v4/runners/verify") return verify(req, res);
    if (JOB_PATH.test(path)) {
      // Dot segments, encoded slashes and backslashes could climb out of /jobs/:id once normalised.
      if (!jobScopedPath(req.url ?? "/")) return count(res, "proxy", 400, { message: "400 Bad request - path outside /api/v4/jobs/:id" });
      return deps.proxy.forward(req, res);
    }
    if (req.method === "GET" && path === "/api/v4/runners/router/discovery") return count(res, "discovery", 501, { message: "501 Not Implemented" });
    if (req.method === "DELETE" && (path === "/api/v4/runners" || path === "/api/v4/runners/managers")) return count(res, "unregister", 204);
    return count(res, "other", 404, { message: "404 Not Found" });
  }

  async function authenticate(req: IncomingMessage): Promise<{ runner: RegisteredRunner | null; body: Record<string, unknown> | null }> {
    const body = parseJsonObject(await readBody(req, deps.maxBodyBytes, deps.timeouts?.bodyDeadlineMs));
    const token = header(req, "runner-token") ?? (typeof body?.token === "string" ? body.token : "");
    return { runner: await deps.registry.lookup(token), body };
  }

  async function verify(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { runner, body } = await authenticate(req);
    if (body === null) return count(res, "verify", 400, { message: "400 Bad request - body must be a JSON object" });
    if (!runner) return count(res, "verify", 403, { message: "403 Forbidden" });
    deps.onRunnerPoll?.(runner, body);
    // GitLab answers with the runner's own token; echo what the runner sent, never log it.
    return count(res, "verify", 200, { id: numericId(runner.id), token: body.token ?? header(req, "runner-token"), token_expires_at: null });
  }

  async function jobRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { runner, body } = await authenticate(req);
    if (body === null) return count(res, "request", 400, { message: "400 Bad request - body must be a JSON object" });
    if (!runner) return count(res, "request", 403, { message: "403 Forbidden" });
    deps.onRunnerPoll?.(runner, body);
    if (await handOff(runner, res)) return;
    const version = await deps.queue.runnerVersion(runner.id);
    const lastUpdate = typeof body.last_update === "string" ? body.last_update : null;
    deps.onRunnerAsking(runner);
    if (lastUpdate === version) {
      // Workhorse semantics: hold a poll that already saw this version until a job is reserved.
      const gone = new AbortController();
      const onClose = () => gone.abort();
      res.once("close", onClose);
      const stop = AbortSignal.any([gone.signal, shutdown.signal]);
      const deadline = now() + deps.longPollMs;
      while (!stop.aborted && now() < deadline) {
        // Re-check now and then even without a wake-up: a wake from another replica can be lost.
        await deps.waiters.hold(runner.id, Math.min(RECHECK_MS, deadline - now()), stop);
        if (stop.aborted) break;
        if (await handOff(runner, res)) { res.off("close", onClose); return; }
      }
      res.off("close", onClose);
      if (gone.signal.aborted) { deps.onRunnerGone(runner); return; }
    }
    deps.onRunnerGone(runner);
    // Shutting down: close the connection after this 204, so the server stops without waiting for idle keep-alives.
    if (shutdown.signal.aborted) res.shouldKeepAlive = false;
    res.setHeader("x-gitlab-last-update", await deps.queue.runnerVersion(runner.id));
    return count(res, "request", 204);
  }

  async function handOff(runner: RegisteredRunner, res: ServerResponse): Promise<boolean> {
    const job = await deps.queue.collect(runner.id);
    if (!job) return false;
    const holdSeconds = job.meta ? Math.max(0, (now() - job.meta.arrivedAt) / 1000) : 0;
    const explanation = job.meta?.decisionRationale
      ? `${job.meta.decisionMode ?? "rule"}: ${job.meta.decisionRationale}`.slice(0, 1000) : null;
    const body = rewriteForHandoff(job.payload, holdSeconds, explanation);
    res.once("close", () => {
      if (!res.writableFinished) {
        // The runner never got the job: put it back so another runner can take it.
        // If Redis is down too, the sweeper returns the unacknowledged hand-off later.
        deps.queue.undoHandoff(job.jobId, runner.id).then((undone) => {
          if (undone) log.warn({ jobId: job.jobId, runner: runner.id }, "hand-off response failed; job requeued");
        }).catch(deps.background("undo hand-off"));
      }
    });
    res.writeHead(201, {
      "content-type": "application/json",
      "x-gitlab-last-update": await deps.queue.runnerVersion(runner.id),
    });
    res.end(body);
    deps.metrics.requests.inc({ endpoint: "request", status: "201" });
    deps.metrics.handoffs.inc({ pool: runner.pool });
    deps.metrics.handoffSeconds.observe({ pool: runner.pool }, holdSeconds);
    deps.onHandoff(runner, job.jobId, holdSeconds);
    return true;
  }

  function count(res: ServerResponse, endpoint: string, status: number, body?: unknown): void {
    deps.metrics.requests.inc({ endpoint, status: String(status) });
    reply(res, status, body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () => new Promise<void>((resolve) => {
      shutdown.abort();
      deps.waiters.releaseAll();
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
    }),
  };
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function numericId(id: string): number {
  const digits = id.replace(/\D/g, "");
  return digits ? Number(digits) : 0;
}
