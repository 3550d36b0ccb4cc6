/**
 * What GitLab's answers to runner calls mean, as values. Switchyard reads them twice: as the broker
 * proxying its runners' calls (job-proxy, job-lifecycle) and as a runner itself, keeping held jobs
 * alive and polling for the pool (held-keeper, silent-handoffs, gitlab-runner-api, pool-poller).
 * Sources: GitLab lib/api/ci/runner.rb and lib/api/ci/helpers/runner.rb (the server), gitlab-runner
 * network/gitlab.go (how a real runner reads the same answers).
 */

/** A job's status as GitLab names it in a Job-Status header (Ci::HasStatus, the build's `status`). */
export type FinalJobStatus = "success" | "failed" | "canceled";

/** What GitLab answered about one job: the HTTP status and its Job-Status header. */
export interface JobAnswer {
  status: number;
  jobStatus: string | null;
}

const FINAL: ReadonlySet<string> = new Set<FinalJobStatus>(["success", "failed", "canceled"]);

/** The job is over in GitLab: nothing a runner sends changes it any more (Ci::HasStatus COMPLETED_STATUSES, less skipped/manual). */
export function isFinalJobStatus(status: string | null): status is FinalJobStatus {
  return status !== null && FINAL.has(status);
}

/**
 * GitLab asks for the job to stop: cancelled with cancel_gracefully, it waits for the runner's final
 * update before `canceling` becomes `canceled` (Ci::HasStatus `drop`). gitlab-runner reads this header
 * on a 200 as CancelRequested (network/gitlab.go createUpdateJobResult) and runs after_script.
 */
export function isCanceling(status: string | null): boolean {
  return status === "canceling";
}

/** The job will not run on in GitLab: final, or `canceling` (only the last update is still owed). */
export function isStoppedJobStatus(status: string | null): boolean {
  return isFinalJobStatus(status) || isCanceling(status);
}

/**
 * The answer says something about the job: a 2xx, or a 403 carrying Job-Status. GitLab's
 * authenticate_job! answers a job no longer running with job_forbidden! (lib/api/ci/helpers/runner.rb),
 * which sets `Job-Status: <status>` and then forbidden!; a bare 403 is GitLab refusing the sender
 * (wrong or missing JOB-TOKEN), which anyone who can reach the broker can provoke.
 */
export function speaksOfJob(answer: JobAnswer): boolean {
  return isSuccess(answer.status) || isNotRunning(answer);
}

/** A 403 with Job-Status: GitLab says the job no longer runs (job_forbidden!, see speaksOfJob). */
export function isNotRunning(answer: JobAnswer): boolean {
  return answer.status === 403 && answer.jobStatus !== null;
}

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/**
 * 202 to a job update: accepted, not finished. Ci::UpdateBuildStateService answers it while the
 * trace's live chunks are still being persisted (up to ACCEPT_TIMEOUT), and gitlab-runner sends the
 * update again (network/gitlab.go UpdateJob, UpdateAcceptedButNotCompleted).
 */
export const isUpdatePending = (status: number): boolean => status === 202;

/** Not settled either way: 202 (see isUpdatePending) or GitLab failing (5xx). Ask again later. */
export const isUnsettled = (status: number): boolean => isUpdatePending(status) || status >= 500;

/**
 * A job Switchyard holds is gone from GitLab's point of view: 403 (no longer running, or its token
 * no longer valid), 404 (job deleted), or a Job-Status saying it stopped. gitlab-runner aborts its
 * job on the same answers (network/gitlab.go createUpdateJobResult: 403/404 → UpdateAbort). The
 * keeper calls with the job's own token, so a bare 403 here is not a stranger refused.
 */
export function isGoneForHolder(answer: JobAnswer): boolean {
  return answer.status === 403 || answer.status === 404 || isStoppedJobStatus(answer.jobStatus);
}

/** What a POST /jobs/request answer means (lib/api/ci/runner.rb POST /request; network/gitlab.go RequestJob). */
export type JobRequestAnswer = "job" | "empty" | "forbidden" | "retry";

/**
 * 201: a job, its payload the body. 204: none (also Workhorse's own answer to a held long poll).
 * 403: the runner token is unknown (authenticate_runner!); gitlab-runner stops asking for that runner.
 * Anything else (409, 429, 5xx) is a failed check to retry after a wait.
 */
export function jobRequestAnswer(status: number): JobRequestAnswer {
  if (status === 201) return "job";
  if (status === 204) return "empty";
  if (status === 403) return "forbidden";
  return "retry";
}

/**
 * 409 to jobs/request: Ci::RegisterJobService picked a build another request assigned first (the
 * `valid: false` result, answered with conflict!), a race between runners of one queue, not GitLab
 * asking everyone to slow down.
 */
export const isQueueContention = (status: number): boolean => status === 409;

/** 429 (rate limited, RFC 6585 §4) and 503 (unavailable): the answers a Retry-After comes with (RFC 9110 §10.2.3); others wait the check interval. */
export const honoursRetryAfter = (status: number): boolean => status === 429 || status === 503;

/**
 * The trace GitLab holds, from an empty PATCH /jobs/:id/trace at offset 0: 202 (nothing appended; the
 * log is empty unless Range says otherwise) or 416 with `Range: 0-<size>` (lib/api/ci/runner.rb PATCH
 * /:id/trace, Ci::AppendBuildTraceService#execute). Null when the answer does not say.
 */
export function traceSizeOf(status: number, rangeSize: number | null): number | null {
  if (status === 202) return rangeSize ?? 0;
  if (status === 416) return rangeSize;
  return null;
}
