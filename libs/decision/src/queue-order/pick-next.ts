import type { QueueOrderConfig } from "./config.js";
import { durationShiftMs, effectiveWeight, fairnessPenaltyMs, type QueueEntry } from "./queue-key.js";

/** What the picker knows about the fleet right now. */
export interface PickContext {
  now: number;
  /** Jobs each project is running now. */
  runningByProject: ReadonlyMap<number, number>;
  /** High-class jobs (weight ≥ highClassBudget.minWeight) each project dispatched in the last hour. */
  highClassUsedByProject: ReadonlyMap<number, number>;
}

/** The dynamic key: static key with budget demotion, plus the project's fairness delay (ms, lower first). */
export function effectiveKey(entry: QueueEntry, ctx: PickContext, cfg: QueueOrderConfig): number {
  const weight = effectiveWeight(entry, ctx.highClassUsedByProject.get(entry.projectId) ?? 0, cfg);
  return entry.arrivedAt - weight * cfg.secondsPerWeightPoint * 1000 + durationShiftMs(entry, cfg)
    + fairnessPenaltyMs(ctx.runningByProject.get(entry.projectId) ?? 0, cfg);
}

/**
 * Picks the next job among the head of the static order (the caller passes at most `headSize`):
 * lowest effective key, ties to the earlier arrival, then the lower job id. Never returns a
 * deploy to a project's environment while an earlier-arrived deploy to it is in the list:
 * that earlier deploy is returned instead (environments are per project in GitLab).
 */
export function pickNext(headInKeyOrder: readonly QueueEntry[], ctx: PickContext, cfg: QueueOrderConfig): QueueEntry | undefined {
  let best: QueueEntry | undefined;
  let bestKey = Infinity;
  for (const entry of headInKeyOrder) {
    const key = effectiveKey(entry, ctx, cfg);
    if (best === undefined || key < bestKey || (key === bestKey && arrivesBefore(entry, best))) {
      best = entry;
      bestKey = key;
    }
  }
  if (best === undefined || !best.isDeploy || best.environment === null) return best;
  let first = best;
  for (const entry of headInKeyOrder) {
    if (entry.isDeploy && entry.projectId === best.projectId && entry.environment === best.environment && arrivesBefore(entry, first)) {
      first = entry;
    }
  }
  return first;
}

function arrivesBefore(a: QueueEntry, b: QueueEntry): boolean {
  return a.arrivedAt < b.arrivedAt || (a.arrivedAt === b.arrivedAt && a.jobId < b.jobId);
}
