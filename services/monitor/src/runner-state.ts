import type { RunnerContact, RunnerState, RunnerStatus } from "@switchyard/contracts";
import { lastContactAt } from "./broker-contacts.js";
import type { FleetRunner } from "./config.js";
import type { GitLabObservation } from "./gitlab-source.js";
import type { HostMetrics, RunnerMetrics } from "./prometheus-scrape.js";

/** A scrape result: absent when not configured, error when the endpoint did not answer. */
export type ScrapeObservation<T> = { kind: "absent" } | { kind: "ok"; value: T } | { kind: "error"; message: string };

/** Everything read about one runner in one poll. */
export interface RunnerObservation {
  runner: FleetRunner;
  gitlab: GitLabObservation;
  /** What the broker saw of the runner (its polls and job calls); absent before its first poll. */
  broker?: ScrapeObservation<RunnerContact>;
  metrics: ScrapeObservation<RunnerMetrics>;
  host: ScrapeObservation<HostMetrics>;
}

/** A state and whether this poll counts as a good read (refreshes liveness). */
export interface BuiltState {
  state: RunnerState;
  goodRead: boolean;
}

const MAX_JOB_IDS = 1024;

/** How long after the broker last heard from a runner it still vouches for it (default). */
export const BROKER_CONTACT_TIMEOUT_MS = 180_000;

/**
 * Folds one poll's observations into a RunnerStateV1. Unknown fields keep the previous value;
 * a runner is healthy only when some source vouches for it and none says it is down.
 *
 * A runner behind Switchyard talks to Switchyard only, so GitLab's REST status for it is
 * `never_contacted` or `offline` whatever its health (gitlabhq app/models/ci/runner.rb `#status`
 * reads `contacted_at`, which only GitLab's own jobs/request updates). That status therefore only
 * vouches when it says `online`; it never condemns. What condemns is a dead metrics endpoint or the
 * runner deleted in GitLab; what vouches is its metrics, the broker having heard from it within
 * `brokerContactTimeoutMs` (a poll, or a job call while it is busy and does not poll), or GitLab online.
 */
export function buildRunnerState(obs: RunnerObservation, previous: RunnerState | null, diskThreshold: number, now: number, brokerContactTimeoutMs = BROKER_CONTACT_TIMEOUT_MS): BuiltState {
  const { runner, gitlab, metrics, host } = obs;
  const detail = gitlab.kind === "ok" ? gitlab.detail : null;
  const load = metrics.kind === "ok" ? metrics.value : null;
  const metricsDown = metrics.kind === "error";
  const brokerSeenAt = obs.broker?.kind === "ok" ? lastContactAt(obs.broker.value) : null;
  const brokerFresh = brokerSeenAt !== null && now - brokerSeenAt <= brokerContactTimeoutMs;
  const vouched = load !== null || detail?.status === "online" || brokerFresh;
  const healthy = !metricsDown && gitlab.kind !== "gone" && vouched;

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
    status: statusOf(gitlab, metricsDown, load !== null || brokerFresh, previous),
    draining,
    healthy,
    limit: count(limitOf(load) ?? runner.limit ?? previous?.limit ?? 0),
    running: count(load?.running ?? (gitlab.kind === "ok" ? gitlab.jobs.length : (previous?.running ?? 0))),
    runningJobIds: gitlab.kind === "ok" ? gitlab.jobs.slice(0, MAX_JOB_IDS).map((j) => j.id) : (previous?.runningJobIds ?? []),
    diskUsedRatio,
    cpus: runner.cpus ?? null,
    memoryGiB: runner.memoryGiB ?? null,
    version: detail?.version?.slice(0, 64) ?? previous?.version ?? null,
    contactedAt: latest(detail ? detail.contactedAt : (previous?.contactedAt ?? null), brokerSeenAt),
    updatedAt: now,
  };
  return { state, goodRead: healthy };
}

/** True when anything but `updatedAt` differs: the rule for publishing. */
export function stateChanged(previous: RunnerState | null, next: RunnerState): boolean {
  if (!previous) return true;
  return JSON.stringify({ ...previous, updatedAt: 0 }) !== JSON.stringify({ ...next, updatedAt: 0 });
}

/** The status shown: GitLab's word, except that a runner its metrics or the broker vouch for is online. */
function statusOf(gitlab: GitLabObservation, metricsDown: boolean, seenUp: boolean, previous: RunnerState | null): RunnerStatus {
  if (gitlab.kind === "gone") return "offline";
  const reported = gitlab.kind === "ok" ? gitlab.detail.status : null;
  if (metricsDown) return reported && reported !== "online" ? reported : "offline";
  if (seenUp) return "online";
  return reported ?? previous?.status ?? "unknown";
}

function latest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
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
