/** GitLab's runner status as the REST API reports it (older names are normalised into these). */
export type GitLabRunnerStatus = "online" | "offline" | "stale" | "never_contacted";

/** Who a runner belongs to in GitLab. */
export type GitLabRunnerType = "instance_type" | "group_type" | "project_type";

/** One runner as `GET /runners/all` lists it. */
export interface GitLabRunner {
  readonly id: number;
  readonly description: string;
  readonly name: string | null;
  readonly paused: boolean;
  readonly status: GitLabRunnerStatus;
  readonly online: boolean | null;
  readonly runnerType: GitLabRunnerType | null;
  readonly isShared: boolean;
}

/** One runner as `GET /runners/:id` shows it: the listing plus tags, version and last contact. */
export interface GitLabRunnerDetail extends GitLabRunner {
  readonly tagList: string[];
  readonly runUntagged: boolean;
  readonly protected: boolean;
  readonly locked: boolean;
  readonly version: string | null;
  readonly revision: string | null;
  readonly platform: string | null;
  readonly architecture: string | null;
  /** Epoch ms of the runner's last request to GitLab, null when it never contacted. */
  readonly contactedAt: number | null;
  readonly maximumTimeout: number | null;
}

/** A job a runner is working on, as `GET /runners/:id/jobs` lists it. */
export interface GitLabRunnerJob {
  readonly id: number;
  readonly name: string;
  readonly stage: string;
  readonly status: string;
  readonly ref: string | null;
  readonly projectId: number | null;
  readonly pipelineId: number | null;
  readonly startedAt: number | null;
  /** Seconds it waited in GitLab's queue before a runner (or Switchyard) took it (`queued_duration`, Entities::Ci::JobBasic). */
  readonly queuedDurationSeconds: number | null;
}

/** The small slice of GitLab's REST API the fleet monitor uses; every error is a GitLabApiError. */
export interface GitLabFleetApi {
  /** Every runner the token can see (`/runners/all`, all pages). */
  listRunners(): Promise<GitLabRunner[]>;
  /** One runner with its tags, version and last contact. */
  showRunner(runnerId: number): Promise<GitLabRunnerDetail>;
  /** The jobs a runner is running right now (all pages). */
  runningJobs(runnerId: number): Promise<GitLabRunnerJob[]>;
  /** Pauses or unpauses a runner; a paused runner gets no new job from GitLab. */
  setPaused(runnerId: number, paused: boolean): Promise<GitLabRunnerDetail>;
  /**
   * Cancels a job (`POST /projects/:id/jobs/:job_id/cancel`); a running job whose runner supports graceful
   * cancel answers `canceling`. `force` ends a `canceling` job at once (GitLab 17.10+, feature flag
   * `force_cancel_build`, Maintainer); where GitLab does not know it, the job stays `canceling`.
   */
  cancelJob(projectId: number, jobId: number, force?: boolean): Promise<GitLabRunnerJob>;
  /** Retries a finished job (`POST /projects/:id/jobs/:job_id/retry`); answers the new job. 403 when not retryable. */
  retryJob(projectId: number, jobId: number): Promise<GitLabRunnerJob>;
}

/** How requests are retried: 429 and 5xx answers and network failures, honouring Retry-After. */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** First backoff delay; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** Cap of any single wait, Retry-After included. */
  maxDelayMs: number;
  /** Deadline of one HTTP attempt. */
  requestTimeoutMs: number;
}

/** Defaults suited to a poll loop: a few quick retries, never a minute-long stall. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  requestTimeoutMs: 10_000,
});
