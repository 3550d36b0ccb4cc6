import { createHash } from "node:crypto";
import type { SimJob, SimRunner } from "./model.js";
import { runningCountLabel } from "./job-matching.js";

/** Failure reasons the simulated GitLab tells runners it understands (`features.failure_reasons`). */
export const SUPPORTED_FAILURE_REASONS = [
  "unknown_failure", "script_failure", "api_failure", "stuck_or_timeout_failure", "no_updates_running", "no_updates_canceling", "runner_system_failure",
  "missing_dependency_failure", "runner_unsupported", "job_execution_timeout", "archived_failure",
  "unmet_prerequisites", "scheduler_failure", "data_integrity_failure", "runner_image_pull_failure", "image_pull_failure",
] as const;

/** Simulation-only variables: how long a simulated runner "runs" the job, and how it ends. */
export const SIM_DURATION_VARIABLE = "SIM_JOB_DURATION_SECONDS";
export const SIM_OUTCOME_VARIABLE = "SIM_JOB_OUTCOME";

interface Variable { key: string; value: string; public: boolean; masked: boolean }

export interface PayloadContext {
  serverUrl: string;
  now: number;
  /** Simulated ms per wall-clock ms (the sim clock's speed); 1 when absent. */
  speed?: number;
  instanceRunningForProject: number;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 63);
const sha = (s: string) => createHash("sha1").update(s).digest("hex");

/** The 201 body of POST /jobs/request, shaped like GitLab's `JobRequest::Response` entity. */
export function buildJobPayload(job: SimJob, runner: SimRunner, ctx: PayloadContext): Record<string, unknown> {
  const { spec } = job;
  const host = new URL(ctx.serverUrl);
  const repoUrl = `${host.protocol}//gitlab-ci-token:${job.token}@${host.host}/${spec.projectPath}.git`;
  const refPrefix = spec.refType === "tag" ? "refs/tags" : "refs/heads";
  const projectName = spec.projectPath.split("/").pop() ?? spec.projectPath;
  const pub = (key: string, value: string): Variable => ({ key, value, public: true, masked: false });
  const variables: Variable[] = [
    pub("CI_JOB_ID", String(job.id)),
    { key: "CI_JOB_TOKEN", value: job.token, public: false, masked: true },
    pub("CI_JOB_NAME", spec.name),
    pub("CI_JOB_NAME_SLUG", slug(spec.name)),
    pub("CI_JOB_STAGE", spec.stage),
    pub("CI_JOB_TIMEOUT", String(spec.timeoutSeconds)),
    pub("CI_JOB_IMAGE", spec.image),
    pub("CI_PIPELINE_ID", String(job.pipelineId)),
    pub("CI_PIPELINE_SOURCE", spec.pipelineSource),
    pub("CI_PROJECT_ID", String(spec.projectId)),
    pub("CI_PROJECT_PATH", spec.projectPath),
    pub("CI_PROJECT_NAME", projectName),
    pub("CI_PROJECT_NAMESPACE", spec.projectPath.split("/").slice(0, -1).join("/")),
    pub("CI_COMMIT_REF_NAME", spec.ref),
    pub("CI_COMMIT_REF_SLUG", slug(spec.ref)),
    pub("CI_COMMIT_SHA", sha(`${job.pipelineId}`)),
    pub("CI_DEFAULT_BRANCH", spec.defaultBranch),
    pub("CI_COMMIT_REF_PROTECTED", String(spec.protected)),
    pub("CI_SERVER_URL", `${host.protocol}//${host.host}`),
    pub("CI_RUNNER_ID", String(runner.id)),
    pub("CI_RUNNER_DESCRIPTION", runner.description),
    pub("CI_RUNNER_TAGS", JSON.stringify(runner.tags)),
  ];
  if (spec.refType === "tag") variables.push(pub("CI_COMMIT_TAG", spec.ref));
  else if (spec.pipelineSource !== "merge_request_event") variables.push(pub("CI_COMMIT_BRANCH", spec.ref));
  if (spec.pipelineSource === "merge_request_event") {
    variables.push(pub("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", spec.ref), pub("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", spec.defaultBranch));
  }
  if (spec.environment) {
    variables.push(
      pub("CI_ENVIRONMENT_NAME", spec.environment.name),
      pub("CI_ENVIRONMENT_SLUG", slug(spec.environment.name)),
      pub("CI_ENVIRONMENT_TIER", spec.environment.tier),
      pub("CI_ENVIRONMENT_ACTION", spec.environment.action),
    );
  }
  for (const [key, value] of Object.entries(spec.variables)) variables.push(pub(key, value));
  variables.push(pub(SIM_DURATION_VARIABLE, String(spec.durationSeconds)), pub(SIM_OUTCOME_VARIABLE, spec.outcome));

  const nulled = new Set(spec.nullFields);
  const orNull = <T>(field: (typeof spec.nullFields)[number], value: T): T | null => (nulled.has(field) ? null : value);
  return {
    id: job.id,
    token: job.token,
    allow_git_fetch: true,
    job_info: {
      id: job.id, name: spec.name, stage: spec.stage, project_id: spec.projectId, project_name: projectName,
      // Ci::Build#time_in_queue_seconds: Time.current - queued_at. In wall-clock seconds: Switchyard adds its
      // own hold time and the runners' run times (a simulated job runs durationSeconds / speed) on the wall
      // clock, so a queue time in simulated seconds would count the GitLab part `speed` times over.
      time_in_queue_seconds: orNull("job_info.time_in_queue_seconds", Math.max(0, (ctx.now - job.queuedAt) / 1000 / (ctx.speed ?? 1))),
      project_jobs_running_on_instance_runners_count: runningCountLabel(ctx.instanceRunningForProject),
    },
    git_info: {
      repo_url: repoUrl, repo_object_format: "sha1", ref: orNull("git_info.ref", spec.ref), sha: sha(`${job.pipelineId}`), before_sha: "0".repeat(40),
      ref_type: spec.refType, refspecs: [`+${refPrefix}/${spec.ref}:refs/remotes/origin/${spec.ref}`], depth: 20, protected: spec.protected,
    },
    runner_info: { timeout: orNull("runner_info.timeout", spec.timeoutSeconds), runner_session_url: null },
    variables,
    steps: [
      { name: "script", script: spec.script, timeout: spec.timeoutSeconds, when: "on_success", allow_failure: spec.allowFailure },
      ...(spec.release ? [{ name: "release", script: ["release-cli create --tag-name \"$CI_COMMIT_TAG\""], timeout: spec.timeoutSeconds, when: "on_success", allow_failure: false }] : []),
    ],
    image: { name: spec.image, entrypoint: null, ports: [], pull_policy: null },
    services: [],
    artifacts: [
      ...(spec.artifactsExclude.length > 0 ? [{ name: "artifacts", untracked: false, paths: ["out/"], exclude: spec.artifactsExclude, when: "on_success", expire_in: null, artifact_type: "archive", artifact_format: "zip" }] : []),
      ...spec.artifactsReports.map((type) => ({ name: type, untracked: false, paths: [`${type}.xml`], when: "always", expire_in: null, artifact_type: type, artifact_format: "gzip" })),
    ],
    cache: spec.cacheKey === undefined && spec.fallbackCacheKeys.length === 0 ? [] : [{
      key: spec.cacheKey ?? "default", untracked: false, policy: "pull-push", paths: ["vendor/"], when: "on_success", fallback_keys: spec.fallbackCacheKeys,
    }],
    ...(spec.vaultSecrets.length > 0 ? {
      secrets: Object.fromEntries(spec.vaultSecrets.map((name) => [name, { vault: { engine: { name: "kv-v2", path: "kv" }, path: `ci/${spec.projectPath}`, field: name }, file: true }])),
    } : {}),
    credentials: [],
    dependencies: [],
    features: { trace_sections: true, token_mask_prefixes: ["glpat-", "glcbt-"], failure_reasons: [...SUPPORTED_FAILURE_REASONS] },
  };
}
