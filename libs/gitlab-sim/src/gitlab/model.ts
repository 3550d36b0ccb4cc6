import { z } from "zod";

/**
 * Fields of the jobs/request payload that GitLab's entities expose as JSON null when the column is
 * unset (lib/api/entities/ci/job_request/job_info.rb `time_in_queue_seconds`, runner_info.rb
 * `timeout_value`, git_info.rb `ref`).
 */
export const NULLABLE_PAYLOAD_FIELDS = ["job_info.time_in_queue_seconds", "runner_info.timeout", "git_info.ref"] as const;

/** What a test or workload asks the simulated GitLab to queue: one CI job. */
export const jobSpecSchema = z.object({
  name: z.string().min(1),
  stage: z.string().min(1).default("test"),
  projectId: z.number().int().positive().default(1),
  projectPath: z.string().min(1).default("grp/app"),
  pipelineId: z.number().int().positive().optional().describe("filled in by enqueuePipeline; otherwise one pipeline per job"),
  pipelineSource: z.enum(["push", "merge_request_event", "schedule", "web", "api", "trigger"]).default("push"),
  ref: z.string().min(1).default("main"),
  refType: z.enum(["branch", "tag"]).default("branch"),
  defaultBranch: z.string().min(1).default("main"),
  protected: z.boolean().default(false).describe("the ref is protected"),
  tags: z.array(z.string().min(1)).default([]),
  environment: z.object({
    name: z.string().min(1),
    tier: z.enum(["production", "staging", "testing", "development", "other"]).default("other"),
    action: z.enum(["start", "prepare", "stop"]).default("start"),
  }).optional(),
  durationSeconds: z.number().nonnegative().default(1).describe("simulated seconds the runner should 'run' the job"),
  outcome: z.enum(["success", "failed"]).default("success"),
  // The job config that makes GitLab require a runner feature (Ci::Build::RUNNER_FEATURES, see job-matching.ts).
  artifactsReports: z.array(z.string().min(1)).default([]).describe("artifacts:reports types, e.g. junit (needs upload_multiple_artifacts)"),
  artifactsExclude: z.array(z.string().min(1)).default([]).describe("artifacts:exclude paths (needs artifacts_exclude)"),
  release: z.boolean().default(false).describe("has a release: keyword (needs multi_build_steps)"),
  exitCodes: z.array(z.number().int()).default([]).describe("allow_failure:exit_codes (needs return_exit_code)"),
  cacheKey: z.string().min(1).optional().describe("cache:key"),
  fallbackCacheKeys: z.array(z.string().min(1)).default([]).describe("cache:fallback_keys (needs fallback_cache_keys)"),
  vaultSecrets: z.array(z.string().min(1)).default([]).describe("secrets: names from Vault (needs vault_secrets; EE)"),
  timeoutSeconds: z.number().int().positive().default(3600),
  nullFields: z.array(z.enum(NULLABLE_PAYLOAD_FIELDS)).default([])
    .describe("payload fields GitLab sends as null for this job (unset columns: no queued_at, no timeout_value, no ref)"),
  image: z.string().default("alpine:3.20"),
  script: z.array(z.string()).default(["echo simulated"]),
  allowFailure: z.boolean().default(false),
  variables: z.record(z.string(), z.string()).default({}),
});
/** A validated job spec with defaults applied. */
export type JobSpec = z.infer<typeof jobSpecSchema>;
/** A job spec as callers write it (defaults optional). */
export type JobSpecInput = z.input<typeof jobSpecSchema>;

/** GitLab's runner types. */
export const RunnerType = { instance: "instance_type", group: "group_type", project: "project_type" } as const;
export type RunnerType = (typeof RunnerType)[keyof typeof RunnerType];

/** A runner registered with the simulated GitLab. */
export const runnerRegistrationSchema = z.object({
  id: z.number().int().positive(),
  token: z.string().min(1),
  description: z.string().default(""),
  tags: z.array(z.string().min(1)).default([]),
  runUntagged: z.boolean().default(true),
  accessLevel: z.enum(["not_protected", "ref_protected"]).default("not_protected"),
  runnerType: z.enum(["instance_type", "group_type", "project_type"]).default("instance_type"),
  paused: z.boolean().default(false),
  locked: z.boolean().default(false),
  maximumTimeout: z.number().int().positive().nullable().default(null),
  features: z.array(z.string()).optional().describe("features this runner is known to have (informational)"),
});
export type RunnerRegistration = z.infer<typeof runnerRegistrationSchema>;
export type RunnerRegistrationInput = z.input<typeof runnerRegistrationSchema>;

/**
 * A job that already ran, for seeding the simulated GitLab with history (what `GET /projects/:id/jobs`
 * then lists). Times are epoch ms or ISO 8601; GitLab's columns: created_at (the job row was created,
 * with its pipeline), queued_at (it became pending: after its earlier stages), started_at (a runner
 * picked it), finished_at.
 */
export const historyJobSchema = jobSpecSchema.extend({
  createdAt: z.union([z.number(), z.iso.datetime({ offset: true })]),
  queuedAt: z.union([z.number(), z.iso.datetime({ offset: true })]).optional().describe("default createdAt"),
  startedAt: z.union([z.number(), z.iso.datetime({ offset: true })]),
  finishedAt: z.union([z.number(), z.iso.datetime({ offset: true })]),
  status: z.enum(["success", "failed", "canceled"]).default("success"),
  runnerId: z.number().int().positive().nullable().default(null).describe("the runner that ran it (must be registered)"),
});
export type HistoryJobInput = z.input<typeof historyJobSchema>;

/** Job statuses the simulator uses (a subset of GitLab's). */
export const JobStatus = { pending: "pending", running: "running", canceling: "canceling", success: "success", failed: "failed", canceled: "canceled" } as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** Live state of a registered runner inside the simulator. */
/** One runner manager (Ci::RunnerManager): a process polling with the runner's token, keyed by its system_id. */
export interface SimRunnerManager {
  systemId: string;
  createdAt: number;
  contactedAt: number;
  ipAddress: string | null;
  version: string | null;
  revision: string | null;
  platform: string | null;
  architecture: string | null;
}

export interface SimRunner extends RunnerRegistration {
  /** Managers by system_id (Ci::Runner#ensure_manager, called by authenticate_runner! on verify and jobs/request). */
  managers: Map<string, SimRunnerManager>;
  contactedAt: number | null;
  ipAddress: string | null;
  version: string | null;
  revision: string | null;
  platform: string | null;
  architecture: string | null;
  name: string | null;
}

/** Live state of one job inside the simulator. */
export interface SimJob {
  readonly id: number;
  readonly spec: JobSpec;
  readonly pipelineId: number;
  readonly token: string;
  status: JobStatus;
  runnerId: number | null;
  createdAt: number;
  /** When it became pending (CommitStatus `queued_at`); `queued_duration` counts from here. */
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  failureReason: string | null;
  exitCode: number | null;
  trace: Buffer;
  finalUpdateAttempts: number;
  artifact: { filename: string; bytes: Buffer } | null;
  /** The runner that picked the job advertised `cancel_gracefully` (Ci::Build#supports_canceling?). */
  cancelGracefully: boolean;
  /** A retry of this job exists (Ci::Processable `retried`): it is no longer retryable. */
  retried: boolean;
  /** The id of that retry (GitLab links them through the pipeline; the sim's admin view says it outright). */
  retriedAs: number | null;
}

/** A job state transition, as emitted on the state API's event emitter ("job"). */
export interface JobStateChange {
  id: number;
  pipelineId: number;
  from: JobStatus | null;
  to: JobStatus;
  runnerId: number | null;
  failureReason: string | null;
}

/** Read-only view of a job for tests and the admin endpoint (no token). */
export interface JobView {
  id: number;
  /** The job GitLab created when this one was retried (REST POST /jobs/:id/retry), if any. */
  retriedAs: number | null;
  name: string;
  stage: string;
  projectId: number;
  pipelineId: number;
  status: JobStatus;
  runnerId: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  failureReason: string | null;
  exitCode: number | null;
  traceSize: number;
  artifact: { filename: string; size: number } | null;
  tags: string[];
  protected: boolean;
  environmentTier: string | null;
}
