import type { TraceJob } from "./trace-job.js";

const DEFAULT_BRANCH = "main";

/**
 * The predefined CI variables GitLab would put in the job payload for a trace job, as far as the
 * class rules read them: default branch, protected ref, pipeline source, environment.
 */
export function ciVariablesOf(job: TraceJob): Record<string, string> {
  const vars: Record<string, string> = { CI_DEFAULT_BRANCH: DEFAULT_BRANCH, CI_JOB_STAGE: job.stage, CI_JOB_NAME: job.name };
  const source = job.pipelineSource ?? (job.refClass === "merge_request" ? "merge_request_event" : "push");
  vars.CI_PIPELINE_SOURCE = source;
  if (job.refClass === "default") {
    vars.CI_COMMIT_BRANCH = DEFAULT_BRANCH;
    vars.CI_COMMIT_REF_PROTECTED = "true";
  } else if (job.refClass === "protected") {
    vars.CI_COMMIT_BRANCH = "release";
    vars.CI_COMMIT_REF_PROTECTED = "true";
  } else {
    vars.CI_COMMIT_REF_PROTECTED = "false";
  }
  if (job.environment) {
    vars.CI_ENVIRONMENT_NAME = job.environment;
    if (job.environmentTier) vars.CI_ENVIRONMENT_TIER = job.environmentTier;
  }
  return vars;
}
