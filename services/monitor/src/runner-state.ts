import type { RunnerState, RunnerStatus } from "@switchyard/contracts";
import type { FleetRunner } from "./config.js";
import type { GitLabObservation } from "./gitlab-source.js";
import type { HostMetrics, RunnerMetrics } from "./prometheus-scrape.js";

/** A scrape result: absent when not configured, error when the endpoint did not answer. */
export type ScrapeObservation<T> = { kind: "absent" } | { kind: "ok"; value: T } | { kind: "error"; message: string };

/** Everything read about one runner in one poll. */
export interface RunnerObservation {
  runner: FleetRunner;
  gitlab: GitLabObservation;
  metrics: ScrapeObservation<RunnerMetrics>;
  host: ScrapeObservation<HostMetrics>;
}

/** A state and whether this poll counts as a good read (refreshes liveness). */
export interface BuiltState {
  state: RunnerState;
  goodRead: boolean;
}

const MAX_JOB_IDS = 1024;

/**
 * Folds one poll's observations into a RunnerStateV1. Unknown fields keep the previous value;
 * a runner is healthy only when some source vouches for it and none says it is down.
 */
export function buildRunnerState(obs: RunnerObservation, previous: RunnerState | null, diskThreshold: number, now: number): BuiltState {
  const { runner, gitlab, metrics, host } = obs;
  const detail = gitlab.kind === "ok" ? gitlab.detail : null;
  const load = metrics.kind === "ok" ? metrics.value : null;
  const metricsDown = metrics.kind === "error";
  const gitlabDown = gitlab.kind === "gone" || (detail !== null && detail.status !== "online");
  const vouched = load !== null || detail?.status === "online";
  const healthy = !metricsDown && !gitlabDown && vouched;

  const diskUsedRatio = host.kind === "ok" ? host.value.diskUsedRatio : null;
  const draining = diskUsedRatio !== null ? diskUsedRatio > diskThreshold : (previous?.draining ?? false);

  const state: RunnerState = {
    v: 1,
    runnerId: runner.id,
    description: (detail?.description || runner.description || previous?.description || runner.id).slice(0, 256),
    pool: runner.pool,
    tags: detail?.tagList.slice(0, 64) ?? previous?.tags ?? [],
    runUntagged: detail?.runUntagged ?? previous?.runUntagged ?? true,
    protected: detail?.protected ?? previous?.protected ?? false,
    paused: detail?.paused ?? previous?.paused ?? false,
    status: statusOf(gitlab, metricsDown, load !== null, previous),
    draining,
    healthy,
    limit: count(limitOf(load) ?? runner.limit ?? previous?.limit ?? 0),
    running: count(load?.running ?? (gitlab.kind === "ok" ? gitlab.jobs.length : (previous?.running ?? 0))),
    runningJobIds: gitlab.kind === "ok" ? gitlab.jobs.slice(0, MAX_JOB_IDS).map((j) => j.id) : (previous?.runningJobIds ?? []),
    diskUsedRatio,
    cpus: runner.cpus ?? null,
    memoryGiB: runner.memoryGiB ?? null,
    version: detail?.version?.slice(0, 64) ?? previous?.version ?? null,
    contactedAt: detail ? detail.contactedAt : (previous?.contactedAt ?? null),
    updatedAt: now,
  };
  return { state, goodRead: healthy };
}

/** True when anything but `updatedAt` differs: the rule for publishing. */
export function stateChanged(previous: RunnerState | null, next: RunnerState): boolean {
  if (!previous) return true;
  return JSON.stringify({ ...previous, updatedAt: 0 }) !== JSON.stringify({ ...next, updatedAt: 0 });
}

function statusOf(gitlab: GitLabObservation, metricsDown: boolean, metricsUp: boolean, previous: RunnerState | null): RunnerStatus {
  if (gitlab.kind === "gone") return "offline";
  const reported = gitlab.kind === "ok" ? gitlab.detail.status : null;
  if (metricsDown) return reported && reported !== "online" ? reported : "offline";
  if (reported) return reported;
  if (metricsUp) return "online";
  return previous?.status ?? "unknown";
}

/** gitlab_runner_limit 0 means "bounded only by concurrent"; the contract's 0 means unlimited. */
function limitOf(load: RunnerMetrics | null): number | null {
  if (!load || load.limit === null) return load?.concurrent ?? null;
  if (load.limit > 0) return load.concurrent && load.concurrent > 0 ? Math.min(load.limit, load.concurrent) : load.limit;
  return load.concurrent ?? 0;
}

function count(value: number): number {
  return Math.max(0, Math.round(value));
}
