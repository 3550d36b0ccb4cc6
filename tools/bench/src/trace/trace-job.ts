/**
 * Where a job's ref sits, which decides its class: `default` = the default branch, `protected`
 * (alias `release`) = another protected ref, `merge_request` = a merge/pull request pipeline,
 * `other` = anything else (its `pipeline_source` then decides, e.g. `schedule`).
 */
export const RefClass = { default: "default", protected: "protected", mergeRequest: "merge_request", other: "other" } as const;
export type RefClass = (typeof RefClass)[keyof typeof RefClass];

/** One job of a replay trace. Times are epoch seconds; durations are seconds at runner speed 1. */
export interface TraceJob {
  jobId: number;
  /** When the job became pending (the trace's created time, or its pipeline's). */
  createdAt: number;
  project: string;
  pipelineId: number;
  refClass: RefClass;
  /** GitLab's CI_PIPELINE_SOURCE (push, merge_request_event, schedule, ...), or null when unknown. */
  pipelineSource: string | null;
  stage: string;
  name: string;
  /** The runner pool (a tag set) that can run the job. */
  pool: string;
  environment: string | null;
  environmentTier: string | null;
  durationS: number;
  status: string;
  /** True for jobs the bench added (deploy injection), never part of the recorded history. */
  injected: boolean;
  /**
   * True when the job is released only once every other job of its pipeline has finished in the
   * replay (a deploy after the test stage); `createdAt` is then ignored.
   */
  afterPipeline: boolean;
}

/** The trace CSV columns, in the order the writer emits them. */
export const TRACE_COLUMNS = [
  "job_id", "created_at", "project", "pipeline_id", "ref_class", "pipeline_source", "stage", "job_name",
  "pool", "environment", "environment_tier", "duration_s", "status", "injected", "after_pipeline",
] as const;
