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

/** Switchyard speaking to GitLab as a runner: the two calls the broker itself makes upstream. */
export interface GitLabRunnerApi {
  requestJob(token: string, systemId: string, lastUpdate: string | null, features: RunnerFeatures, signal?: AbortSignal): Promise<JobRequestResult>;
  updateJob(jobId: number, jobToken: string, state: "running" | "failed", failureReason?: string): Promise<JobUpdateResult>;
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
