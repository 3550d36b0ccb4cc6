import type { QueueOrderConfig } from "./config.js";

/** A held job as the queue orders it. Times are epoch milliseconds. */
export interface QueueEntry {
  jobId: number;
  projectId: number;
  jobClass: string;
  weight: number;
  arrivedAt: number;
  /** Environment name the job targets, or null. */
  environment: string | null;
  /** True when the job deploys to `environment` (not stop/verify/access). */
  isDeploy: boolean;
  /** Expected run time (s) learned from finished jobs of the same name; null or absent = unknown. */
  expectedDurationS?: number | null;
}

/**
 * The static ZSET score: a virtual arrival time, `arrivedAt − weight × secondsPerWeightPoint
 * + durationShift` (ms; lower = sooner). A job can only be overtaken by jobs that arrive less than
 * `(maxWeight − itsWeight) × secondsPerWeightPoint + durationShift.maxSeconds` after it.
 */
export function queueKey(
  entry: Pick<QueueEntry, "arrivedAt" | "weight" | "expectedDurationS">,
  cfg: Pick<QueueOrderConfig, "secondsPerWeightPoint" | "durationShift">,
): number {
  return entry.arrivedAt - entry.weight * cfg.secondsPerWeightPoint * 1000 + durationShiftMs(entry, cfg);
}

/**
 * How much later (ms) a job's virtual arrival is for its expected run time: shorter jobs go
 * first among jobs of a class that arrived close together, and the cap bounds the delay.
 */
export function durationShiftMs(
  entry: Pick<QueueEntry, "weight" | "expectedDurationS">, cfg: Pick<QueueOrderConfig, "durationShift">,
): number {
  const d = cfg.durationShift;
  if (!(d.perRunSecond > 0) || entry.weight > d.maxWeight) return 0;
  const expected = entry.expectedDurationS;
  const seconds = expected === null || expected === undefined || !Number.isFinite(expected)
    ? d.unknownSeconds
    : Math.max(0, expected) * d.perRunSecond;
  return Math.min(seconds, d.maxSeconds) * 1000;
}

/** The weight an entry counts with now: demoted when its project spent its high-class budget. */
export function effectiveWeight(entry: QueueEntry, highClassUsed: number, cfg: QueueOrderConfig): number {
  const budget = cfg.highClassBudget;
  if (entry.weight >= budget.minWeight && highClassUsed >= budget.perProjectPerHour) {
    return Math.min(entry.weight, budget.demotedWeight);
  }
  return entry.weight;
}

/** Fairness delay in ms for a project running `running` jobs, capped. */
export function fairnessPenaltyMs(running: number, cfg: QueueOrderConfig): number {
  return Math.min(running * cfg.fairnessPenaltySecondsPerRunningJob, cfg.fairnessPenaltyMaxSeconds) * 1000;
}

/**
 * Upper bound (ms after its arrival) on when a job that may overtake `entry` can arrive,
 * whatever the fairness and budget context: the wait bound the property tests check.
 */
export function overtakeWindowMs(entry: QueueEntry, maxWeight: number, cfg: QueueOrderConfig): number {
  const budget = cfg.highClassBudget;
  const worstWeight = entry.weight >= budget.minWeight ? Math.min(entry.weight, budget.demotedWeight) : entry.weight;
  return Math.max(0, maxWeight - worstWeight) * cfg.secondsPerWeightPoint * 1000 + cfg.fairnessPenaltyMaxSeconds * 1000
    + (cfg.durationShift.perRunSecond > 0 ? cfg.durationShift.maxSeconds * 1000 : 0);
}
