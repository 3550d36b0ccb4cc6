import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@switchyard/runtime";
import type { Counter, Histogram } from "prom-client";
import type { CollectedJob, Handoffs } from "../queue/handoffs.js";
import type { RunnerPoll, RunnerPresence } from "../queue/runner-presence.js";
import { handoffPayload } from "../protocol/job-payload.js";
import { HEADER, headerValue } from "../protocol/headers.js";
import { matchJobRoute, RUNNER_API } from "../protocol/paths.js";
import { lastUpdateOf, runnerTokenOf, systemIdOf } from "../protocol/runner-request.js";
import { BodyTimeout, BodyTooLarge, parseJsonObject, readBody } from "./http-body.js";
import type { JobProxy } from "./job-proxy.js";
import type { PollWaiters } from "./poll-waiters.js";
import type { HandoffTrace } from "../handoff-trace.js";
import { newRunnerToken, runnerNumericId, type BackgroundFailure, type RegisteredRunner, type RunnerRegistry } from "@switchyard/runtime";

export interface BrokerMetrics {
  requests: Counter<"endpoint" | "status">;
  handoffs: Counter<"pool">;
  handoffSeconds: Histogram<"pool">;
}

export interface BrokerServerDeps {
  registry: RunnerRegistry;
  queue: Pick<Handoffs, "answerPoll" | "undoHandoff"> & Pick<RunnerPresence, "runnerVersion">;
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
  /**
   * A runner's poll asks for work: the pool has one more free slot (each concurrent poll is one). The poll
   * is in the polling set already (answerPoll put it there in the step that found nothing to collect).
   */
  onRunnerAsking: (runner: RegisteredRunner, poll: RunnerPoll) => void;
  /** That poll stopped asking (answered without a job, or gone). */
  onRunnerGone: (runner: RegisteredRunner, poll: RunnerPoll) => void;
  /** A job was handed to a runner. */
  onHandoff: (runner: RegisteredRunner, jobId: number, holdSeconds: number) => void;
  /** Catch handler for calls nobody waits for (counted, logged once). */
  background: BackgroundFailure;
  /** Marks the hand-off stages the broker ends (handoff-trace.ts): woken, collected, written. */
  trace?: Pick<HandoffTrace, "mark" | "finish">;
  now?: () => number;
}

export interface BrokerServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** How often a held poll looks for a reservation by itself; wake-ups normally come first. */
const RECHECK_MS = 5_000;

/** The GitLab side of Switchyard that downstream gitlab-runner processes talk to. */
export async function startBrokerServer(deps: BrokerServerDeps, host: string, port: number): Promise<BrokerServer> {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "broker" });
  const shutdown = new AbortController();
  // Names this broker's polls apart from another replica's in the shared polling set.
  const instance = randomBytes(4).toString("hex");
  let pollSeq = 0;

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
    if (req.method === "POST" && path === RUNNER_API.jobRequest) return jobRequest(req, res);
    if (req.method === "POST" && path === RUNNER_API.verify) return verify(req, res);
    const job = matchJobRoute(req.url ?? "/");
    // Dot segments, encoded slashes and backslashes could climb out of /jobs/:id once normalised.
    if (job === "refused") return count(res, "proxy", 400, { message: "400 Bad request - path outside /api/v4/jobs/:id" });
    if (job) return deps.proxy.forward(req, res, job);
    if (req.method === "GET" && path === RUNNER_API.routerDiscovery) return count(res, "discovery", 501, { message: "501 Not Implemented" });
    if (req.method === "DELETE" && path === RUNNER_API.runners) return unregister(req, res);
    if (req.method === "DELETE" && path === RUNNER_API.managers) return unregisterManager(req, res);
    if (req.method === "POST" && path === RUNNER_API.resetToken) return resetToken(req, res);
    return count(res, "other", 404, { message: "404 Not Found" });
  }

  async function authenticate(req: IncomingMessage): Promise<{ runner: RegisteredRunner | null; body: Record<string, unknown> | null }> {
    const body = parseJsonObject(await readBody(req, deps.maxBodyBytes, deps.timeouts?.bodyDeadlineMs));
    return { runner: await deps.registry.lookup(runnerTokenOf(req.headers, body)), body };
  }

  async function verify(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { runner, body } = await authenticate(req);
    if (body === null) return count(res, "verify", 400, { message: "400 Bad request - body must be a JSON object" });
    if (!runner) return count(res, "verify", 403, { message: "403 Forbidden" });
    deps.onRunnerPoll?.(runner, body);
    // GitLab presents Entities::Ci::RunnerRegistrationDetails (id, token, token_expires_at); gitlab-runner's
    // `register --token glrt-…` stores the id and refuses 0 (commands/register.go verifyRunner). Switchyard's
    // tokens do not expire, as GitLab's do not without a token expiration policy. The token is the runner's own.
    return count(res, "verify", 200, { id: runnerNumericId(runner.id), token: body.token ?? headerValue(req.headers, HEADER.runnerToken) ?? undefined, token_expires_at: null });
  }

  // lib/api/ci/runner.rb DELETE /runners: authenticate_runner! (403 for an unknown token), then the runner is
  // destroyed and 204 answered. Only a runner stored in Redis (CLI add-runner) can be: one in the assigner's
  // config stays until the config changes, which is said rather than pretended.
  async function unregister(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { runner } = await authenticate(req);
    if (!runner) return count(res, "unregister", 403, { message: "403 Forbidden" });
    if (!(await deps.registry.remove(runner.id))) {
      return count(res, "unregister", 403, { message: "403 Forbidden - runner is defined in the assigner's configuration; remove it there" });
    }
    log.info({ runner: runner.id }, "runner unregistered itself; its token no longer works");
    return count(res, "unregister", 204);
  }

  // DELETE /runners/managers: requires token and system_id (Grape answers 400 "system_id is missing"), 403 for
  // an unknown token, 204. Switchyard keeps no manager records beyond its sightings, so any manager of a known
  // runner is deleted (GitLab's 404 "Runner manager not found" needs a manager table Switchyard has no use for).
  async function unregisterManager(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { runner, body } = await authenticate(req);
    if (systemIdOf(body) === null) return count(res, "unregister", 400, { error: "system_id is missing" });
    if (!runner) return count(res, "unregister", 403, { message: "403 Forbidden" });
    return count(res, "unregister", 204);
  }

  // POST /runners/reset_authentication_token: authenticate_runner!, then Ci::Runners::ResetAuthenticationTokenService
  // and 201 with Entities::Ci::ResetTokenResult (token, token_expires_at); the old token stops working. A runner
  // in the assigner's config cannot be rotated from here: 422, one of the endpoint's documented failures.
  async function resetToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { runner } = await authenticate(req);
    if (!runner) return count(res, "reset_token", 403, { message: "403 Forbidden" });
    const token = newRunnerToken();
    if (!(await deps.registry.rotate(runner.id, token))) {
      return count(res, "reset_token", 422, { message: "422 Unprocessable Entity - runner token is set in the assigner's configuration" });
    }
    log.info({ runner: runner.id }, "runner reset its authentication token");
    return count(res, "reset_token", 201, { token, token_expires_at: null });
  }

  async function jobRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { runner, body } = await authenticate(req);
    if (body === null) return count(res, "request", 400, { message: "400 Bad request - body must be a JSON object" });
    if (!runner) return count(res, "request", 403, { message: "403 Forbidden" });
    deps.onRunnerPoll?.(runner, body);
    // The poll's runner manager, made safe to name a Redis member. Each poll is a slot of its own.
    const systemId = systemIdOf(body)?.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 64) ?? "-";
    const poll: RunnerPoll = { pool: runner.pool, runnerId: runner.id, systemId, pollId: `${instance}:${++pollSeq}` };
    // One Redis step: a reserved job handed down, or the poll marked asking with the runner's version.
    const arrivedAt = now();
    const first = await deps.queue.answerPoll(runner.id, poll, true);
    if (first.job) return handOff(runner, res, first.job, first.version, arrivedAt);
    const version = first.version;
    const lastUpdate = lastUpdateOf(body);
    deps.onRunnerAsking(runner, poll);
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
        const wokenAt = now();
        const answer = await deps.queue.answerPoll(runner.id, poll, false);
        if (answer.job) { res.off("close", onClose); return handOff(runner, res, answer.job, answer.version, wokenAt); }
      }
      res.off("close", onClose);
      if (gone.signal.aborted) { deps.onRunnerGone(runner, poll); return; }
    }
    deps.onRunnerGone(runner, poll);
    // Shutting down: close the connection after this 204, so the server stops without waiting for idle keep-alives.
    if (shutdown.signal.aborted) res.shouldKeepAlive = false;
    res.setHeader(HEADER.lastUpdate, await deps.queue.runnerVersion(runner.id));
    return count(res, "request", 204);
  }

  /** `lookedAt`: when the poll asked Redis for the job it now hands over (a held poll: when it was woken). */
  function handOff(runner: RegisteredRunner, res: ServerResponse, job: CollectedJob, version: string, lookedAt: number): void {
    deps.trace?.mark(job.jobId, "woken", lookedAt);
    deps.trace?.mark(job.jobId, "collected", now());
    const holdSeconds = job.meta ? Math.max(0, (now() - job.meta.arrivedAt) / 1000) : 0;
    const explanation = job.meta?.decisionRationale
      ? `${job.meta.decisionMode ?? "rule"}: ${job.meta.decisionRationale}`.slice(0, 1000) : null;
    const body = handoffPayload(job.payload, job.meta?.handoffSlots, holdSeconds, explanation);
    res.once("close", () => {
      if (!res.writableFinished) {
        // The runner never got the job: put it back so another runner can take it.
        // If Redis is down too, the sweeper returns the unacknowledged hand-off later.
        deps.queue.undoHandoff(job.jobId, runner.id, job.handedAt).then((undone) => {
          if (undone) log.warn({ jobId: job.jobId, runner: runner.id }, "hand-off response failed; job requeued");
        }).catch(deps.background("undo hand-off"));
      }
    });
    res.writeHead(201, {
      "content-type": "application/json",
      [HEADER.lastUpdate]: version,
    });
    res.end(body);
    deps.trace?.finish(job.jobId, now());
    deps.metrics.requests.inc({ endpoint: "request", status: "201" });
    deps.metrics.handoffs.inc({ pool: runner.pool });
    deps.metrics.handoffSeconds.observe({ pool: runner.pool }, holdSeconds);
    deps.onHandoff(runner, job.jobId, holdSeconds);
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

