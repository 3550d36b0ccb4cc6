import { Jobs, Runners } from "@gitbeaker/rest";
import type { Logger } from "@switchyard/runtime";
import { GitLabApiError } from "./errors.js";
import { createRetryingRequesterFn, type RetryObserver } from "./retrying-requester.js";
import { toRunner, toRunnerDetail, toRunnerJob } from "./runner-mapping.js";
import { DEFAULT_RETRY_POLICY, type GitLabFleetApi, type RetryPolicy } from "./types.js";

export interface GitLabClientOptions {
  /** GitLab base URL, e.g. `https://gitlab.example.com` (without `/api/v4`). */
  url: string;
  /** Personal/admin access token, sent as PRIVATE-TOKEN; never logged. */
  token: string;
  log: Logger;
  retry?: Partial<RetryPolicy>;
  /** Called on every retry (status null = network failure or timeout). */
  onRetry?: RetryObserver;
  /** Page size for listings (GitLab caps it at 100). */
  perPage?: number;
}

type Raw = Record<string, unknown>;

/** Builds the fleet API over @gitbeaker/rest with Retry-After-aware retries and wrapped errors. */
export function createGitLabClient(options: GitLabClientOptions): GitLabFleetApi {
  const perPage = options.perPage ?? 100;
  const connection = connectionOf(options);
  const runners = new Runners(connection);
  const jobs = new Jobs(connection);

  return {
    listRunners: () => doing("list runners", async () => {
      const page = (await runners.all({ perPage })) as unknown as Raw[];
      return page.map(toRunner);
    }),
    showRunner: (runnerId) => doing(`show runner ${runnerId}`, async () => {
      return toRunnerDetail((await runners.show(runnerId)) as unknown as Raw);
    }),
    runningJobs: (runnerId) => doing(`list running jobs of runner ${runnerId}`, async () => {
      const jobs = (await runners.allJobs(runnerId, { status: "running", perPage })) as unknown as Raw[];
      return jobs.map(toRunnerJob);
    }),
    setPaused: (runnerId, paused) => doing(`${paused ? "pause" : "unpause"} runner ${runnerId}`, async () => {
      return toRunnerDetail((await runners.edit(runnerId, { paused })) as unknown as Raw);
    }),
    cancelJob: (projectId, jobId, force = false) => doing(`${force ? "force-" : ""}cancel job ${jobId}`, async () => {
      // gitbeaker sends extra options as the body: Grape reads `force` from it.
      const options = force ? ({ force: true } as Record<string, unknown>) : undefined;
      return toRunnerJob((await jobs.cancel(projectId, jobId, options)) as unknown as Raw);
    }),
    retryJob: (projectId, jobId) => doing(`retry job ${jobId}`, async () => {
      return toRunnerJob((await jobs.retry(projectId, jobId)) as unknown as Raw);
    }),
  };
}

/** The gitbeaker connection every resource shares: our retrying requester, the token, no whole-call deadline. */
export function connectionOf(options: Pick<GitLabClientOptions, "url" | "token" | "log" | "retry" | "onRetry">) {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const log = options.log.child({ component: "gitlab-client" });
  return {
    host: options.url.replace(/\/+$/, ""),
    token: options.token,
    requesterFn: createRetryingRequesterFn({ policy, log, ...(options.onRetry ? { onRetry: options.onRetry } : {}) }),
    // Our requester bounds each attempt; a whole-call deadline would cut retries short.
    queryTimeout: null,
  };
}

/** Runs one call, wrapping any failure with what was being done ("list runners: ..."). */
export async function doing<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw GitLabApiError.wrap(what, err);
  }
}
