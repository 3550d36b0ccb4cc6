import { Agent, request, type Dispatcher } from "undici";
import { wrapError } from "@switchyard/runtime";

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
  version: string;
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
  const info = (features: RunnerFeatures) => ({
    name: "switchyard", version: options.version, revision: "switchyard", platform: "linux",
    architecture: "amd64", executor: "custom", features,
  });
  return {
    async requestJob(token, systemId, lastUpdate, features, signal) {
      try {
        const res = await request(`${base}/api/v4/jobs/request`, {
          method: "POST",
          dispatcher,
          signal,
          headers: { "content-type": "application/json", accept: "application/json", "runner-token": token },
          body: JSON.stringify({ token, system_id: systemId, info: info(features), ...(lastUpdate ? { last_update: lastUpdate } : {}) }),
        });
        const lu = headerOf(res.headers, "x-gitlab-last-update");
        if (res.statusCode === 201) return { kind: "job", body: await res.body.text(), lastUpdate: lu };
        await res.body.dump();
        if (res.statusCode === 204) return { kind: "empty", lastUpdate: lu };
        if (res.statusCode === 403) return { kind: "forbidden" };
        return { kind: "retry", status: res.statusCode, retryAfterMs: parseRetryAfter(headerOf(res.headers, "retry-after"), Date.now()) };
      } catch (err) {
        throw wrapError("request job from GitLab", err);
      }
    },
    async updateJob(jobId, jobToken, state, failureReason) {
      try {
        const res = await request(`${base}/api/v4/jobs/${jobId}`, {
          method: "PUT",
          dispatcher,
          headers: { "content-type": "application/json", "job-token": jobToken },
          body: JSON.stringify({ token: jobToken, state, ...(failureReason ? { failure_reason: failureReason } : {}) }),
        });
        await res.body.dump();
        return { status: res.statusCode, jobStatus: headerOf(res.headers, "job-status") };
      } catch (err) {
        throw wrapError(`update job ${jobId} in GitLab`, err);
      }
    },
    async traceSize(jobId, jobToken) {
      try {
        const res = await request(`${base}/api/v4/jobs/${jobId}/trace`, {
          method: "PATCH",
          dispatcher,
          headers: { "content-type": "text/plain", "job-token": jobToken, "content-range": "0-0" },
          body: "",
        });
        await res.body.dump();
        const range = /^0-(\d+)$/.exec(headerOf(res.headers, "range") ?? "");
        const size = res.statusCode === 202 || res.statusCode === 416 ? (range ? Number(range[1]) : res.statusCode === 202 ? 0 : null) : null;
        return { status: res.statusCode, jobStatus: headerOf(res.headers, "job-status"), size };
      } catch (err) {
        throw wrapError(`read job ${jobId}'s trace size in GitLab`, err);
      }
    },
    async verifyRunner(token) {
      try {
        const res = await request(`${base}/api/v4/runners/verify`, {
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

function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === "") return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
