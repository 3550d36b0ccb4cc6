import type { GitLabState } from "./gitlab-state.js";
import type { SimJob, SimRunner } from "./model.js";

/** Runner status as GitLab computes it from contacted_at. */
export type RunnerStatus = "online" | "offline" | "stale" | "never_contacted";

/** A runner is stale after 7 days without contact (GitLab's STALE_TIMEOUT). */
const STALE_MS = 7 * 24 * 3600_000;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Maps runners and jobs to GitLab's REST entities (`Runner`, `RunnerDetails`, `Job`). */
export interface RestEntities {
  status(runner: SimRunner): RunnerStatus;
  runner(runner: SimRunner): Record<string, unknown>;
  runnerDetails(runner: SimRunner): Record<string, unknown>;
  job(job: SimJob): Record<string, unknown>;
}

/** Builds the entity mapper; `onlineTimeoutMs` is the contact window that counts as online. */
export function createRestEntities(state: GitLabState, onlineTimeoutMs: number): RestEntities {
  const entities: RestEntities = {
    status(runner) {
      const contacted = state.contactedAt(runner);
      if (contacted === null) return "never_contacted";
      const age = state.clock.now() - contacted;
      if (age <= onlineTimeoutMs) return "online";
      return age > STALE_MS ? "stale" : "offline";
    },
    runner(runner) {
      const status = entities.status(runner);
      return {
        id: runner.id, description: runner.description, ip_address: runner.ipAddress, active: !runner.paused,
        paused: runner.paused, is_shared: runner.runnerType === "instance_type", runner_type: runner.runnerType,
        name: runner.name ?? "gitlab-runner", online: status === "online", status,
      };
    },
    runnerDetails(runner) {
      return {
        ...entities.runner(runner),
        tag_list: runner.tags, run_untagged: runner.runUntagged, locked: runner.locked, access_level: runner.accessLevel,
        maximum_timeout: runner.maximumTimeout, maintenance_note: null, version: runner.version, revision: runner.revision,
        platform: runner.platform, architecture: runner.architecture, contacted_at: iso(state.contactedAt(runner)),
        projects: [], groups: [],
      };
    },
    job(job) {
      const { spec } = job;
      const runner = job.runnerId === null ? undefined : state.runner(job.runnerId);
      const sha = job.pipelineId.toString(16).padStart(40, "0");
      const end = job.finishedAt ?? state.clock.now();
      return {
        id: job.id, name: spec.name, stage: spec.stage, status: job.status, ref: spec.ref, tag: spec.refType === "tag",
        coverage: null, allow_failure: spec.allowFailure, created_at: iso(job.createdAt), started_at: iso(job.startedAt),
        finished_at: iso(job.finishedAt), erased_at: null,
        duration: job.startedAt === null ? null : (end - job.startedAt) / 1000,
        // CommitStatus#queued_duration: queued_at → started_at (or now while pending).
        queued_duration: ((job.startedAt ?? state.clock.now()) - job.queuedAt) / 1000,
        failure_reason: job.status === "failed" ? job.failureReason : undefined,
        user: { id: 1, username: "sim-user", name: "Sim User", state: "active" },
        commit: { id: sha, short_id: sha.slice(0, 8), title: `Simulated commit for pipeline ${job.pipelineId}`, created_at: iso(job.createdAt) },
        pipeline: {
          id: job.pipelineId, project_id: spec.projectId, sha, ref: spec.ref, status: job.status, source: spec.pipelineSource,
          created_at: iso(job.createdAt), updated_at: iso(job.updatedAt), web_url: `https://gitlab.example.com/${spec.projectPath}/-/pipelines/${job.pipelineId}`,
        },
        web_url: `https://gitlab.example.com/${spec.projectPath}/-/jobs/${job.id}`,
        artifacts: job.artifact ? [{ file_type: "archive", size: job.artifact.bytes.length, filename: job.artifact.filename, file_format: "zip" }] : [],
        artifacts_expire_at: null,
        runner: runner ? entities.runner(runner) : null,
        archived: false,
        // Entities::Ci::Job `tag_list`: job.tags.map(&:name).sort
        tag_list: [...spec.tags].sort(),
        project: { id: spec.projectId, path_with_namespace: spec.projectPath, ci_job_token_scope_enabled: false },
      };
    },
  };
  return entities;
}
