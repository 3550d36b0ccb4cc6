import type { GitLabRunner, GitLabRunnerDetail, GitLabRunnerJob, GitLabRunnerStatus, GitLabRunnerType } from "./types.js";

type Raw = Record<string, unknown>;

/** Maps one `/runners/all` entry (snake_case JSON) into a GitLabRunner. */
export function toRunner(raw: Raw): GitLabRunner {
  return {
    id: Number(raw.id),
    description: str(raw.description) ?? "",
    name: str(raw.name),
    paused: pausedOf(raw),
    status: statusOf(raw),
    online: typeof raw.online === "boolean" ? raw.online : null,
    runnerType: runnerTypeOf(raw.runner_type),
    isShared: raw.is_shared === true,
  };
}

/** Maps a `/runners/:id` answer into a GitLabRunnerDetail. */
export function toRunnerDetail(raw: Raw): GitLabRunnerDetail {
  return {
    ...toRunner(raw),
    tagList: Array.isArray(raw.tag_list) ? raw.tag_list.filter((t): t is string => typeof t === "string") : [],
    runUntagged: raw.run_untagged !== false,
    protected: raw.access_level === "ref_protected",
    locked: raw.locked === true,
    version: str(raw.version),
    revision: str(raw.revision),
    platform: str(raw.platform),
    architecture: str(raw.architecture),
    contactedAt: epochMs(raw.contacted_at),
    maximumTimeout: typeof raw.maximum_timeout === "number" ? raw.maximum_timeout : null,
  };
}

/** Maps a `/runners/:id/jobs` entry into a GitLabRunnerJob. */
export function toRunnerJob(raw: Raw): GitLabRunnerJob {
  const pipeline = (raw.pipeline ?? null) as Raw | null;
  const project = (raw.project ?? null) as Raw | null;
  const projectId = pipeline?.project_id ?? project?.id;
  return {
    id: Number(raw.id),
    name: str(raw.name) ?? "",
    stage: str(raw.stage) ?? "",
    status: str(raw.status) ?? "unknown",
    ref: str(raw.ref),
    projectId: typeof projectId === "number" ? projectId : null,
    pipelineId: typeof pipeline?.id === "number" ? pipeline.id : null,
    startedAt: epochMs(raw.started_at),
    queuedDurationSeconds: typeof raw.queued_duration === "number" && raw.queued_duration >= 0 ? raw.queued_duration : null,
  };
}

function statusOf(raw: Raw): GitLabRunnerStatus {
  switch (raw.status) {
    case "online": case "offline": case "stale": case "never_contacted": return raw.status;
    case "not_connected": return "never_contacted";
    // GitLab < 14.8 folded paused/active into status; `online` still tells us whether it is reachable.
    default: return raw.online === true ? "online" : "offline";
  }
}

function pausedOf(raw: Raw): boolean {
  if (typeof raw.paused === "boolean") return raw.paused;
  if (typeof raw.active === "boolean") return !raw.active;
  return raw.status === "paused";
}

function runnerTypeOf(value: unknown): GitLabRunnerType | null {
  return value === "instance_type" || value === "group_type" || value === "project_type" ? value : null;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function epochMs(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
