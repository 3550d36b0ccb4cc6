import { randomBytes } from "node:crypto";
import type { Logger } from "@switchyard/runtime";
import type { GitLabState, RunnerInfo } from "./gitlab-state.js";
import type { SimJob } from "./model.js";
import { buildJobPayload } from "./job-payload.js";
import { parseMultipart } from "./multipart.js";
import { jobTokenExpiresAt } from "./job-token.js";
import { header, jsonBody, reply, replyMessage, route, type Route, type SimRequest } from "./http-kit.js";

/** Test knobs of the runner API, changeable at runtime. */
export interface RunnerApiKnobs {
  /** Workhorse long-poll duration; 0 turns long polling off. */
  longPollMs: number;
  /** The first N final updates (success/failed) of every job answer 202 before 200. */
  finalUpdateAcceptedTimes: number;
  /** Value of X-GitLab-Trace-Update-Interval, seconds. */
  traceUpdateIntervalSeconds: number;
  /** Fault injection on POST /jobs/request (admin: PUT /sim/faults/jobs-request); null = answer normally. */
  jobRequestFault: JobRequestFault | null;
  /** POST /jobs/request calls received so far (read through GET /sim/stats). */
  jobRequests: number;
}

/**
 * A fault POST /jobs/request answers instead of working: 409 (GitLab's RegisterJobService on queue
 * contention or replica lag), 429 with Retry-After (check_rate_limit!), 503 (optionally with Retry-After).
 * It lasts until `untilMs` (real epoch ms) or for `times` requests, whichever ends first; neither = until cleared.
 */
export interface JobRequestFault {
  status: 409 | 429 | 500 | 502 | 503;
  retryAfterSeconds?: number;
  untilMs?: number;
  times?: number;
}

const FAULT_MESSAGES: Record<number, string> = {
  409: "409 Conflict", 429: "Retry later", 500: "500 Internal Server Error", 502: "502 Bad Gateway", 503: "503 Service Unavailable",
};

/** The fault to answer now, if one is active; consumes one of its `times`. */
function activeFault(knobs: RunnerApiKnobs): JobRequestFault | null {
  const fault = knobs.jobRequestFault;
  if (!fault) return null;
  if ((fault.untilMs !== undefined && Date.now() >= fault.untilMs) || (fault.times !== undefined && fault.times <= 0)) {
    knobs.jobRequestFault = null;
    return null;
  }
  if (fault.times !== undefined) fault.times--;
  return fault;
}

export interface RunnerApiDeps {
  state: GitLabState;
  knobs: RunnerApiKnobs;
  serverUrl: () => string;
  log: Logger;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The runner-facing routes: verify, jobs/request (with Workhorse long polling), job updates, trace, artifacts. */
export function runnerApiRoutes({ state, knobs, serverUrl, log }: RunnerApiDeps): Route[] {
  const objects = new Map<string, number>(); // object-storage key → job id

  const authenticateJob = (req: SimRequest, body: Record<string, unknown> | undefined, failOnExpiredToken = false): SimJob | undefined => {
    const job = state.jobRecord(Number(req.params.id));
    const token = str(body?.token) ?? header(req, "job-token");
    if (!job || !token || token !== job.token) { replyMessage(req.res, 403, "403 Forbidden"); return undefined; }
    // Ci::AuthJobFinder#find_job_by_jwt raises ExpiredJobTokenError before the job's status is checked;
    // API::Ci::Helpers::Runner#authenticate_job! drops the job as job_token_expired only when asked
    // (fail_on_expired_token: PUT /jobs/:id and PATCH /jobs/:id/trace), and answers 403 with Job-Status either way.
    const expiresAt = jobTokenExpiresAt(job);
    if (expiresAt !== null && state.clock.now() >= expiresAt) {
      if (failOnExpiredToken && (job.status === "running" || job.status === "canceling")) state.finish(job, "failed", "job_token_expired", null);
      replyMessage(req.res, 403, "403 Forbidden - Job token has expired", { "Job-Status": job.status });
      return undefined;
    }
    // API::Ci::Helpers::Runner#processing_on_runner?: running or canceling.
    if (job.status !== "running" && job.status !== "canceling") {
      replyMessage(req.res, 403, "403 Forbidden - Job is not running", { "Job-Status": job.status });
      return undefined;
    }
    return job;
  };
  const interval = () => String(knobs.traceUpdateIntervalSeconds);

  return [
    route("POST", "/api/v4/runners/verify", (req) => {
      const body = jsonBody(req);
      const runner = state.runnerByToken(str(body?.token) ?? header(req, "runner-token") ?? "");
      if (!runner) return replyMessage(req.res, 403, "403 Forbidden");
      state.heartbeat(runner, body?.info as RunnerInfo | undefined, req.remoteAddress, str(body?.system_id));
      reply(req.res, 200, { id: runner.id, token: runner.token, token_expires_at: null });
    }),

    // lib/api/ci/runner.rb DELETE /runners: authenticate_runner!(ensure_runner_manager: false), then
    // Ci::Runners::UnregisterRunnerService destroys the runner: 204, or 403 for an unknown token.
    route("DELETE", "/api/v4/runners", (req) => {
      const body = jsonBody(req);
      const runner = state.runnerByToken(str(body?.token) ?? header(req, "runner-token") ?? "");
      if (!runner) return replyMessage(req.res, 403, "403 Forbidden");
      state.unregisterRunner(runner);
      reply(req.res, 204);
    }),

    // DELETE /runners/managers: requires token and system_id (Grape: 400 "system_id is missing"), 403 for an
    // unknown token, 404 "Runner manager not found" (not_found! prefixes "404 "), else the manager is destroyed: 204.
    route("DELETE", "/api/v4/runners/managers", (req) => {
      const body = jsonBody(req);
      const systemId = str(body?.system_id);
      if (!systemId) return reply(req.res, 400, { error: "system_id is missing" });
      const runner = state.runnerByToken(str(body?.token) ?? header(req, "runner-token") ?? "");
      if (!runner) return replyMessage(req.res, 403, "403 Forbidden");
      if (!runner.managers.delete(systemId)) return replyMessage(req.res, 404, "404 Runner manager not found");
      reply(req.res, 204);
    }),

    // POST /runners/reset_authentication_token: authenticate_runner!, Ci::Runners::ResetAuthenticationTokenService,
    // then 201 with Entities::Ci::ResetTokenResult (token, token_expires_at); the old token is dead at once.
    route("POST", "/api/v4/runners/reset_authentication_token", (req) => {
      const body = jsonBody(req);
      const runner = state.runnerByToken(str(body?.token) ?? header(req, "runner-token") ?? "");
      if (!runner) return replyMessage(req.res, 403, "403 Forbidden");
      reply(req.res, 201, { token: state.resetToken(runner), token_expires_at: null });
    }),

    route("POST", "/api/v4/jobs/request", async (req) => {
      const polling = { "Gitlab-Ci-Builds-Polling": "yes" };
      knobs.jobRequests++;
      const fault = activeFault(knobs);
      if (fault) {
        const retryAfter = fault.retryAfterSeconds !== undefined ? { "Retry-After": String(fault.retryAfterSeconds) } : {};
        return replyMessage(req.res, fault.status, FAULT_MESSAGES[fault.status] ?? String(fault.status), retryAfter);
      }
      const body = jsonBody(req) ?? {};
      const token = str(body.token) ?? header(req, "runner-token");
      const runner = token ? state.runnerByToken(token) : undefined;
      const lastUpdate = str(body.last_update);
      const info = body.info as RunnerInfo | undefined;
      // Workhorse (workhorse/internal/builds/register.go RegisterHandler): a JSON request carrying token and
      // last_update equal to the queue value waits for a change, and answers 204 itself, without Rails: so
      // that 204 carries no X-GitLab-Last-Update, and the runner keeps its old value. Its next request sees
      // the value already changed and goes through to Rails (WatchKeyStatusAlreadyChanged).
      const json = (header(req, "content-type") ?? "").includes("application/json");
      if (runner && json && str(body.token) && lastUpdate && knobs.longPollMs > 0 && state.queueVersion(runner.id) === lastUpdate) {
        await state.waitForQueueChange(runner.id, lastUpdate, knobs.longPollMs, req.signal);
        return reply(req.res, 204, undefined, polling);
      }
      if (!runner) return replyMessage(req.res, 403, "403 Forbidden", polling);
      state.heartbeat(runner, info, req.remoteAddress, str(body.system_id));
      const version = state.queueVersion(runner.id);
      const noJob = { ...polling, "X-GitLab-Last-Update": version };
      if (runner.paused || lastUpdate === version) return reply(req.res, 204, undefined, noJob);
      const picked = state.pickJob(runner, info);
      if (picked.kind === "none") return reply(req.res, 204, undefined, noJob);
      const payload = buildJobPayload(picked.job, runner, { serverUrl: serverUrl(), now: state.clock.now(), speed: state.clock.speed, instanceRunningForProject: picked.instanceRunningForProject });
      log.debug({ jobId: picked.job.id, runnerId: runner.id }, "job picked");
      reply(req.res, 201, payload, polling);
    }),

    route("PUT", "/api/v4/jobs/:id", (req) => {
      const body = jsonBody(req);
      if (!body) return reply(req.res, 400, { error: "body is not valid JSON" });
      const job = authenticateJob(req, body, true);
      if (!job) return;
      const state_ = str(body.state);
      const headers = { "X-GitLab-Trace-Update-Interval": interval(), "Job-Status": job.status };
      if (state_ === "running" || state_ === "pending") { state.touch(job); return reply(req.res, 200, "200", headers); }
      if (state_ !== "success" && state_ !== "failed") return reply(req.res, 400, { error: "state does not have a valid value" });
      job.finalUpdateAttempts++;
      if (job.finalUpdateAttempts <= knobs.finalUpdateAcceptedTimes) return reply(req.res, 202, "202", headers);
      const exitCode = typeof body.exit_code === "number" ? body.exit_code : null;
      state.finish(job, state_, str(body.failure_reason) ?? null, exitCode);
      reply(req.res, 200, "200", { ...headers, "Job-Status": job.status });
    }),

    route("PATCH", "/api/v4/jobs/:id/trace", (req) => {
      const job = authenticateJob(req, undefined, true);
      if (!job) return;
      const range = /^(\d+)-(\d+)$/.exec(header(req, "content-range") ?? "");
      if (!range) return replyMessage(req.res, 400, "400 Bad request - Missing Content-Range header");
      const size = job.trace.length;
      if (Number(range[1]) !== size) return reply(req.res, 416, undefined, { Range: `0-${size}` });
      job.trace = Buffer.concat([job.trace, req.body]);
      // Ci::AppendBuildTraceService touches no build, so an empty patch (Switchyard's trace-size probe)
      // never keeps a job alive. The simulated runners send no periodic PUT, so their output still does.
      if (req.body.length > 0) state.touch(job);
      reply(req.res, 202, undefined, {
        "Job-Status": job.status, Range: `0-${job.trace.length}`, "X-GitLab-Trace-Update-Interval": interval(),
      });
    }),

    route("POST", "/api/v4/jobs/:id/artifacts", (req) => {
      const job = authenticateJob(req, undefined);
      if (!job) return;
      const file = parseMultipart(header(req, "content-type"), req.body)?.find((p) => p.name === "file");
      if (!file) return replyMessage(req.res, 400, "400 Bad request - file is missing");
      job.artifact = { filename: file.filename ?? "artifacts.zip", bytes: file.data };
      reply(req.res, 201, {});
    }),

    route("GET", "/api/v4/jobs/:id/artifacts", (req) => {
      const job = state.jobRecord(Number(req.params.id));
      const token = header(req, "job-token") ?? req.query.get("job_token") ?? "";
      const caller = state.jobs().find((j) => j.token === token && j.status === "running");
      if (!caller) return replyMessage(req.res, 401, "401 Unauthorized");
      if (!job?.artifact) return replyMessage(req.res, 404, "404 Not found");
      const key = randomBytes(12).toString("hex");
      objects.set(key, job.id);
      reply(req.res, 302, undefined, { Location: `${serverUrl()}/sim-object-storage/artifacts/${key}/${encodeURIComponent(job.artifact.filename)}` });
    }),

    route("GET", "/sim-object-storage/artifacts/:key/:filename", (req) => {
      const jobId = objects.get(req.params.key ?? "");
      const artifact = jobId === undefined ? undefined : state.jobRecord(jobId)?.artifact;
      if (!artifact) return reply(req.res, 404, "NoSuchKey");
      reply(req.res, 200, artifact.bytes, { "Content-Type": "application/octet-stream" });
    }),
  ];
}
