import { Agent, request, type Dispatcher } from "undici";
import { wrapError } from "@switchyard/runtime";
import { HEADER, headerValue, parseRetryAfter, traceRangeSize } from "../protocol/headers.js";
import { jobRequestAnswer, traceSizeOf } from "../protocol/job-status.js";
import { jobPath, jobTracePath, RUNNER_API } from "../protocol/paths.js";
import { jobRequestBody } from "../protocol/runner-request.js";

/** Runner features Switchyard advertises upstream: only what every downstream runner of the pool has. */
export type RunnerFeatures = Record<string, boolean>;

export type JobRequestResult =
  | { kind: "job"; body: string; lastUpdate: string | null }
  | { kind: "empty"; lastUpdate: string | null }
  | { kind: "forbidden" }
  | { kind: "retry"; status: number; retryAfterMs: number | null };

export interface JobUpdateResult {
  status: number;
  /** GitLab's `Job-Status` header: `canceled`, `failed`, `canceling` mean stop keeping it. */
  jobStatus: string | null;
}

/** What GitLab holds of a job's log: its length, or the job's status when it no longer runs. */
export interface TraceProbeResult extends JobUpdateResult {
  /** Bytes of trace GitLab has; null when GitLab did not say (job not running, unexpected answer). */
  size: number | null;
}

/** Switchyard speaking to GitLab as a runner: the calls the broker itself makes upstream. */
export interface GitLabRunnerApi {
  /**
   * Asks how much trace a job has without writing any: an empty PATCH at offset 0. GitLab appends
   * nothing and answers 202 (empty log) or 416 with `Range: 0-<size>` (lib/api/ci/runner.rb
   * PATCH /jobs/:id/trace, Ci::AppendBuildTraceService#execute); a job no longer running gets 403
   * with Job-Status. A log that grew means a runner has the job.
   */
  traceSize(jobId: number, jobToken: string): Promise<TraceProbeResult>;
  requestJob(token: string, systemId: string, lastUpdate: string | null, features: RunnerFeatures, signal?: AbortSignal): Promise<JobRequestResult>;
  updateJob(jobId: number, jobToken: string, state: "running" | "failed", failureReason?: string): Promise<JobUpdateResult>;
  /** The registration's numeric id (`POST /runners/verify`, lib/api/ci/runner.rb: RunnerRegistrationDetails carries `id`). */
  verifyRunner(token: string): Promise<number>;
  close(): Promise<void>;
}

export interface GitLabRunnerApiOptions {
  gitlabUrl: string;
  /** What `info` says about Switchyard: its own version and host, never a gitlab-runner's. */
  identity: { version: string; platform: string; architecture: string };
  /** How long an upstream long poll may be held before we give up on it. */
  requestTimeoutMs: number;
}

export function createGitLabRunnerApi(options: GitLabRunnerApiOptions): GitLabRunnerApi {
  const base = options.gitlabUrl.replace(/\/$/, "");
  const dispatcher: Dispatcher = new Agent({
    connections: 64,
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    keepAliveTimeout: 30_000,
  });
  // GitLab stores name, version, platform and architecture on the runner manager its system_id names
  // (API::Ci::Helpers::Runner#get_runner_details_from_request); they show in the runner's page.
  const info = (features: RunnerFeatures) => ({
    name: "switchyard", version: options.identity.version, platform: options.identity.platform,
    architecture: options.identity.architecture, executor: "custom", features,
  });
  return {
    async requestJob(token, systemId, lastUpdate, features, signal) {
      try {
        const res = await request(`${base}${RUNNER_API.jobRequest}`, {
          method: "POST",
          dispatcher,
          signal,
          headers: { "content-type": "application/json", accept: "application/json", [HEADER.runnerToken]: token },
          body: JSON.stringify(jobRequestBody(token, systemId, info(features), lastUpdate)),
        });
        const lu = headerValue(res.headers, HEADER.lastUpdate);
        const answer = jobRequestAnswer(res.statusCode);
        if (answer === "job") return { kind: "job", body: await res.body.text(), lastUpdate: lu };
        await res.body.dump();
        if (answer === "empty") return { kind: "empty", lastUpdate: lu };
        if (answer === "forbidden") return { kind: "forbidden" };
        return { kind: "retry", status: res.statusCode, retryAfterMs: parseRetryAfter(headerValue(res.headers, HEADER.retryAfter), Date.now()) };
      } catch (err) {
        throw wrapError("request job from GitLab", err);
      }
    },
    async updateJob(jobId, jobToken, state, failureReason) {
      try {
        const res = await request(`${base}${jobPath(jobId)}`, {
          method: "PUT",
          dispatcher,
          headers: { "content-type": "application/json", [HEADER.jobToken]: jobToken },
          body: JSON.stringify({ token: jobToken, state, ...(failureReason ? { failure_reason: failureReason } : {}) }),
        });
        await res.body.dump();
        return { status: res.statusCode, jobStatus: headerValue(res.headers, HEADER.jobStatus) };
      } catch (err) {
        throw wrapError(`update job ${jobId} in GitLab`, err);
      }
    },
    async traceSize(jobId, jobToken) {
      try {
        const res = await request(`${base}${jobTracePath(jobId)}`, {
          method: "PATCH",
          dispatcher,
          headers: { "content-type": "text/plain", [HEADER.jobToken]: jobToken, [HEADER.contentRange]: "0-0" },
          body: "",
        });
        await res.body.dump();
        const size = traceSizeOf(res.statusCode, traceRangeSize(headerValue(res.headers, HEADER.range)));
        return { status: res.statusCode, jobStatus: headerValue(res.headers, HEADER.jobStatus), size };
      } catch (err) {
        throw wrapError(`read job ${jobId}'s trace size in GitLab`, err);
      }
    },
    async verifyRunner(token) {
      try {
        const res = await request(`${base}${RUNNER_API.verify}`, {
          method: "POST",
          dispatcher,
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ token }),
        });
        const body = (await res.body.json().catch(() => null)) as { id?: unknown } | null;
        if (res.statusCode !== 200 || typeof body?.id !== "number") throw new Error(`GitLab answered ${res.statusCode}${typeof body?.id === "number" ? "" : " without an id"}`);
        return body.id;
      } catch (err) {
        throw wrapError("verify pool registration with GitLab", err);
      }
    },
    close: () => dispatcher.close(),
  };
}

