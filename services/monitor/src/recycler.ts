import type { RunnerState } from "@switchyard/contracts";
import type { GitLabFleetApi } from "@switchyard/gitlab-client";
import type { Logger } from "@switchyard/runtime";
import type { FleetRunner } from "./config.js";
import type { FailureStreaks } from "./failure-streaks.js";
import { MonitorEventKind, percent, type EmitEvent } from "./fleet-events.js";

/** Takes drained, idle runners out of service, within a per-pool disruption budget. */
export interface Recycler {
  review(states: readonly RunnerState[]): Promise<void>;
}

export interface RecyclerDeps {
  fleet: readonly FleetRunner[];
  gitlab: GitLabFleetApi;
  emit: EmitEvent;
  streaks: FailureStreaks;
  log: Logger;
  /** Most of a pool that may be recycling at once (0..1); at least one runner when above 0. */
  maxRecyclingShare: number;
  diskThreshold: number;
}

/**
 * Recycling a runner: once it is draining and runs nothing it is paused in GitLab (so nothing
 * reaches it either way) and a destroy is requested from whoever provisions its host (the
 * optimizer destroys machines its provisioner manages; the autoscaler replaces them). A host no
 * provisioner manages stays paused, reported, and is unpaused when its disk is back under the threshold.
 * A draining runner that is paused counts against its pool's budget whoever paused it.
 */
export function createRecycler(deps: RecyclerDeps): Recycler {
  const log = deps.log.child({ component: "recycler" });
  const byId = new Map(deps.fleet.map((r) => [r.id, r]));
  const poolSize = new Map<string, number>();
  for (const r of deps.fleet) poolSize.set(r.pool, (poolSize.get(r.pool) ?? 0) + 1);
  const pausedByUs = new Set<string>();
  const deferred = new Set<string>();

  function budget(pool: string): number {
    if (deps.maxRecyclingShare <= 0) return 0;
    return Math.max(1, Math.floor(deps.maxRecyclingShare * (poolSize.get(pool) ?? 0)));
  }

  async function setPaused(state: RunnerState, paused: boolean): Promise<boolean> {
    const gitlabId = byId.get(state.runnerId)?.gitlabRunnerId;
    if (!gitlabId) return false;
    try {
      await deps.gitlab.setPaused(gitlabId, paused);
      deps.streaks.ok(`recycle ${state.runnerId}`);
      return true;
    } catch (err) {
      deps.streaks.fail(`recycle ${state.runnerId}`, (err as Error).message, { runnerId: state.runnerId });
      return false;
    }
  }

  async function finish(state: RunnerState): Promise<void> {
    if (!(await setPaused(state, false))) return;
    pausedByUs.delete(state.runnerId);
    deps.emit(MonitorEventKind.recycled, {
      runnerId: state.runnerId, pool: state.pool,
      reason: `disk ${state.diskUsedRatio === null ? "unknown" : percent(state.diskUsedRatio)} used, under ${percent(deps.diskThreshold)}: runner ${state.runnerId} unpaused`,
      details: { diskUsedRatio: state.diskUsedRatio },
    });
  }

  async function start(state: RunnerState, inPool: number, allowed: number): Promise<void> {
    if (!(await setPaused(state, true))) return;
    pausedByUs.add(state.runnerId);
    deferred.delete(state.runnerId);
    deps.emit(MonitorEventKind.recycling, {
      runnerId: state.runnerId, pool: state.pool,
      reason: `disk ${percent(state.diskUsedRatio ?? 0)} used > ${percent(deps.diskThreshold)} and idle: paused in GitLab; ${inPool + 1}/${allowed} of pool ${state.pool} recycling`,
      details: { diskUsedRatio: state.diskUsedRatio, recyclingInPool: inPool + 1, budget: allowed },
    });
    deps.emit(MonitorEventKind.recycleRequested, {
      runnerId: state.runnerId, pool: state.pool,
      reason: `disk ${percent(state.diskUsedRatio ?? 0)} used > ${percent(deps.diskThreshold)}, idle and paused: destroy and replace the host if a provisioner manages it`,
      details: { diskUsedRatio: state.diskUsedRatio },
    });
  }

  return {
    async review(states) {
      for (const state of states) {
        if (pausedByUs.has(state.runnerId) && !state.draining) await finish(state);
      }
      const pools = new Map<string, RunnerState[]>();
      for (const s of states) pools.set(s.pool, [...(pools.get(s.pool) ?? []), s]);
      for (const [pool, members] of pools) {
        const allowed = budget(pool);
        let recycling = members.filter((s) => pausedByUs.has(s.runnerId) || (s.draining && s.paused)).length;
        const ready = members.filter((s) => s.draining && !s.paused && !pausedByUs.has(s.runnerId)
          && s.running === 0 && s.runningJobIds.length === 0 && byId.get(s.runnerId)?.gitlabRunnerId);
        for (const state of ready) {
          if (recycling >= allowed) {
            if (!deferred.has(state.runnerId)) {
              deferred.add(state.runnerId);
              deps.emit(MonitorEventKind.recycleDeferred, {
                runnerId: state.runnerId, pool,
                reason: `runner ${state.runnerId} waits: ${recycling}/${allowed} of pool ${pool} already recycling (disruption budget)`,
                details: { recyclingInPool: recycling, budget: allowed },
              });
            }
            continue;
          }
          await start(state, recycling, allowed);
          if (pausedByUs.has(state.runnerId)) recycling++;
        }
      }
      log.debug({ recycling: pausedByUs.size, deferred: deferred.size }, "recycling reviewed");
    },
  };
}
