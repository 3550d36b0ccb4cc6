import type { JobSpec, SimJob, SimRunner } from "./model.js";

/** Whether GitLab would hand `job` to `runner` at all: tags, run-untagged, protected refs, timeout. */
export function runnerCanTake(runner: SimRunner, job: SimJob): boolean {
  const tags = job.spec.tags;
  if (tags.length === 0 && !runner.runUntagged) return false;
  if (!tags.every((t) => runner.tags.includes(t))) return false;
  if (runner.accessLevel === "ref_protected" && !job.spec.protected) return false;
  return true;
}

/** Running jobs per project on instance runners: the key of GitLab's fair scheduling. */
export type InstanceRunningCounts = ReadonlyMap<number, number>;

/**
 * Orders a runner's candidate jobs as GitLab's queue strategies do: FIFO by id for project
 * and group runners; for instance runners, fewest running instance-runner jobs per project first, then id.
 */
export function orderCandidates(runner: SimRunner, candidates: SimJob[], counts: InstanceRunningCounts): SimJob[] {
  const sorted = [...candidates];
  if (runner.runnerType === "instance_type") {
    sorted.sort((a, b) => (counts.get(a.spec.projectId) ?? 0) - (counts.get(b.spec.projectId) ?? 0) || a.id - b.id);
  } else {
    sorted.sort((a, b) => a.id - b.id);
  }
  return sorted;
}

/**
 * Which runner feature a job needs, from its config: gitlabhq app/models/ci/build.rb `RUNNER_FEATURES`
 * (GitLab 18.x) and ee/app/models/ee/ci/build.rb `EE_RUNNER_FEATURES`. `refspecs` is `merge_request_ref?`
 * (an MR pipeline runs on refs/merge-requests/:iid/head).
 */
export const RUNNER_FEATURES: Readonly<Record<string, (spec: JobSpec) => boolean>> = {
  upload_multiple_artifacts: (spec) => spec.artifactsReports.length > 0, // publishes_artifacts_reports?
  refspecs: (spec) => spec.pipelineSource === "merge_request_event", // merge_request_ref?
  artifacts_exclude: (spec) => spec.artifactsExclude.length > 0, // supports_artifacts_exclude?
  multi_build_steps: (spec) => spec.release, // multi_build_steps?: options[:release]
  return_exit_code: (spec) => spec.exitCodes.length > 0, // exit_codes_defined?
  fallback_cache_keys: (spec) => spec.fallbackCacheKeys.length > 0, // fallback_cache_keys_defined?
  vault_secrets: (spec) => spec.vaultSecrets.length > 0, // EE: ci_secrets_management_available? && secrets?
};

/** Ci::Build#runner_required_feature_names. */
export function requiredFeatures(spec: JobSpec): string[] {
  return Object.entries(RUNNER_FEATURES).filter(([, needs]) => needs(spec)).map(([name]) => name);
}

/**
 * The features a job needs that the runner's `info.features` lacks. Ci::Build#supported_runner? takes any
 * truthy value (`features&.dig(name)`), so only absent, null and false are missing.
 */
export function missingFeatures(job: SimJob, features: Record<string, unknown> | undefined): string[] {
  return requiredFeatures(job.spec).filter((f) => features?.[f] === undefined || features[f] === null || features[f] === false);
}

/** GitLab's string form of a running-job count: "0", "1", "2", "3+". */
export function runningCountLabel(count: number): string {
  return count >= 3 ? "3+" : String(count);
}
