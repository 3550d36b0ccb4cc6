import type { JobOutcome } from "@switchyard/contracts";

/**
 * What a job's end says about the runner that ran it:
 * - `runner-ok`: it succeeded there (counts for the runner);
 * - `runner-fault`: it failed for a reason the runner or the system around it caused (counts against it);
 * - `job-fault`: it failed because of the job itself (its script, its pipeline, its project): says nothing
 *   about the runner;
 * - `nobody`: it was canceled, never reached a runner, or has not ended: says nothing about anyone.
 */
export type RunnerVerdict = "runner-ok" | "runner-fault" | "job-fault" | "nobody";

/**
 * GitLab's `failure_reason` values that are the job's own doing, from `Enums::Ci::CommitStatus.failure_reasons`
 * (gitlabhq app/models/concerns/enums/ci/commit_status.rb, with EE's additions in
 * ee/app/models/concerns/ee/enums/ci/commit_status.rb: protected_environment_failure,
 * upstream_bridge_project_not_found, insufficient_upstream_permissions).
 */
const JOB_FAULTS: ReadonlySet<string> = new Set([
  "script_failure", "missing_dependency_failure", "stale_schedule", "archived_failure", "unmet_prerequisites",
  "forward_deployment_failure", "user_blocked", "project_deleted", "ci_quota_exceeded", "pipeline_loop_detected",
  "trace_size_exceeded", "builds_disabled", "insufficient_bridge_permissions", "downstream_bridge_project_not_found",
  "invalid_bridge_trigger", "bridge_pipeline_is_child_pipeline", "downstream_pipeline_creation_failed",
  "secrets_provider_not_found", "reached_max_descendant_pipelines_depth",
  "protected_environment_failure", "upstream_bridge_project_not_found", "insufficient_upstream_permissions",
]);

/**
 * The rest of GitLab's list is the runner's or the system's: unknown_failure (a null reason), api_failure,
 * stuck_or_timeout_failure, runner_system_failure, runner_unsupported, scheduler_failure,
 * data_integrity_failure, no_matching_runner, and job_execution_timeout (a job past its timeout on this
 * runner: a hung or slow executor is the usual cause, and the scorer always counted it so). A reason GitLab
 * adds later and this list does not know is read as the runner's too, as an unknown failure is; so are the
 * runner-side values a GitLab may advertise in `features.failure_reasons` beyond that enum
 * (`image_pull_failure`, `runner_image_pull_failure`: a registry this runner cannot reach is the usual cause).
 */
export function judgeOutcome(outcome: Pick<JobOutcome, "status" | "failureReason" | "runnerId">): RunnerVerdict {
  if (outcome.runnerId === null) return "nobody";
  switch (outcome.status) {
    case "success": return "runner-ok";
    case "failed": return JOB_FAULTS.has(outcome.failureReason ?? "") ? "job-fault" : "runner-fault";
    case "canceled":
    case "running": return "nobody";
  }
}

/** Whether the outcome tells anything about its runner (its success or its fault). */
export function saysAboutRunner(verdict: RunnerVerdict): boolean {
  return verdict === "runner-ok" || verdict === "runner-fault";
}
