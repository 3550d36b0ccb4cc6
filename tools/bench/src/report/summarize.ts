import type { SimulationResult } from "../sim/simulate.js";
import type { SimJob } from "../sim/types.js";
import { predictionError, type PredictionError } from "@switchyard/decision";
import { percentile, waitStats, type WaitStats } from "./stats.js";

/** One policy's figures at one load. Waits in seconds; utilization 0..1 of slot time over the span. */
export interface PolicySummary {
  policy: string;
  overall: WaitStats;
  byClass: Record<string, WaitStats>;
  /** The unavoidable wait (no preemption) on this policy's own schedule. */
  lowerBound: { overall: WaitStats; byClass: Record<string, WaitStats> };
  utilization: { overall: number; byPool: Record<string, number> };
  /** Jobs that never ran (their pool has no runner). */
  unplaced: number;
  /** Pipeline time-to-result (s): its first job pending → its last job finished (complete pipelines only). */
  pipelines: { count: number; mean: number; p50: number; p95: number };
  /** How far the policy's run-time predictions were from the runs (null for policies that do not predict). */
  prediction: PredictionError | null;
  /** The decision records of a policy that keeps them (Switchyard's), else null. */
  placements: PlacementTally | null;
}

/** Placed jobs by decision mode, how many were close calls (live: an LLM question), how many not enforced (advisory, FIFO by a rule). */
export interface PlacementTally {
  placed: number;
  byMode: Record<string, number>;
  closeCalls: number;
  notEnforced: number;
}

/** The wait of a job in seconds (start − pending); null when it never ran. */
export function waitSeconds(j: SimJob): number | null {
  return j.startedAt === null ? null : (j.startedAt - j.arrivedAt) / 1000;
}

/** Per class and overall wait statistics, lower bounds and utilization of one replay. */
export function summarize(result: SimulationResult, sliSeconds: number): PolicySummary {
  const waits = new Map<string, number[]>();
  const bounds = new Map<string, number[]>();
  const all: number[] = [];
  const allBounds: number[] = [];
  let unplaced = 0;
  for (const j of result.jobs) {
    const w = waitSeconds(j);
    if (w === null) { unplaced++; continue; }
    all.push(w);
    allBounds.push(j.unavoidableMs / 1000);
    (waits.get(j.jobClass) ?? waits.set(j.jobClass, []).get(j.jobClass)!).push(w);
    (bounds.get(j.jobClass) ?? bounds.set(j.jobClass, []).get(j.jobClass)!).push(j.unavoidableMs / 1000);
  }
  const byClass: Record<string, WaitStats> = {};
  const lbByClass: Record<string, WaitStats> = {};
  for (const cls of [...waits.keys()].sort()) {
    byClass[cls] = waitStats(waits.get(cls)!, sliSeconds);
    lbByClass[cls] = waitStats(bounds.get(cls)!, sliSeconds);
  }
  const busy = new Map<string, number>();
  const slots = new Map<string, number>();
  for (const r of result.runners) {
    busy.set(r.spec.pool, (busy.get(r.spec.pool) ?? 0) + r.busyMs);
    slots.set(r.spec.pool, (slots.get(r.spec.pool) ?? 0) + r.spec.limit);
  }
  const byPool: Record<string, number> = {};
  let busyAll = 0, slotsAll = 0;
  for (const [pool, b] of busy) {
    byPool[pool] = result.spanMs > 0 ? b / (slots.get(pool)! * result.spanMs) : 0;
    busyAll += b;
    slotsAll += slots.get(pool)!;
  }
  return {
    policy: result.policy,
    pipelines: pipelineStats(result.jobs),
    prediction: result.jobs.some((j) => j.predictedRunS !== undefined)
      ? predictionError(result.jobs.filter((j) => j.finishedAt !== null && j.startedAt !== null)
        .map((j) => ({ predictedS: j.predictedRunS ?? null, actualS: (j.finishedAt! - j.startedAt!) / 1000 })))
      : null,
    placements: placementTally(result.jobs),
    overall: waitStats(all, sliSeconds),
    byClass,
    lowerBound: { overall: waitStats(allBounds, sliSeconds), byClass: lbByClass },
    utilization: { overall: result.spanMs > 0 && slotsAll > 0 ? busyAll / (slotsAll * result.spanMs) : 0, byPool },
    unplaced,
  };
}

/** Tallies the placements the policy recorded; null when it recorded none. */
export function placementTally(jobs: readonly SimJob[]): PlacementTally | null {
  const tally: PlacementTally = { placed: 0, byMode: {}, closeCalls: 0, notEnforced: 0 };
  for (const j of jobs) {
    if (!j.placement) continue;
    tally.placed++;
    tally.byMode[j.placement.mode] = (tally.byMode[j.placement.mode] ?? 0) + 1;
    if (j.placement.closeCall) tally.closeCalls++;
    if (!j.placement.enforced) tally.notEnforced++;
  }
  return tally.placed > 0 ? tally : null;
}

/** Time-to-result of every pipeline whose jobs all ran: earliest pending → latest finish, in seconds. */
export function pipelineStats(jobs: readonly SimJob[]): PolicySummary["pipelines"] {
  const span = new Map<number, { from: number; to: number; done: boolean }>();
  for (const j of jobs) {
    const p = span.get(j.trace.pipelineId) ?? { from: Infinity, to: -Infinity, done: true };
    p.from = Math.min(p.from, j.arrivedAt);
    if (j.finishedAt === null) p.done = false; else p.to = Math.max(p.to, j.finishedAt);
    span.set(j.trace.pipelineId, p);
  }
  const ttr = [...span.values()].filter((p) => p.done).map((p) => (p.to - p.from) / 1000).sort((a, b) => a - b);
  return {
    count: ttr.length, mean: ttr.length ? ttr.reduce((a, b) => a + b, 0) / ttr.length : 0,
    p50: percentile(ttr, 50), p95: percentile(ttr, 95),
  };
}
