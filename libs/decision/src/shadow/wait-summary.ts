import type { ShadowResult } from "./shadow-fifo.js";

/**
 * The nearest-rank percentile of sorted values: the smallest value with at least p% of the values
 * at or below it (p in 0..100); 0 for no values. p50 of [1,2,3,4] is 2, p95 of 1..100 is 95.
 */
export function percentile(sortedAsc: readonly number[], p: number): number {
  if (sortedAsc.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAsc.length));
  return sortedAsc[Math.min(rank, sortedAsc.length) - 1]!;
}

/** One class's waits over a window: what it had (live) beside what FIFO would have given (shadow), seconds. */
export interface ClassWaitSummary {
  jobClass: string;
  jobs: number;
  live: { p50: number; p95: number };
  fifo: { p50: number; p95: number };
  /** Jobs replayed late (their outcome came after later arrivals were replayed). */
  late: number;
}

const quantiles = (values: number[]) => {
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
};

/** Per class, live and FIFO wait percentiles of the same replayed jobs, sorted by class name. */
export function summarizeWaits(results: readonly ShadowResult[]): ClassWaitSummary[] {
  const byClass = new Map<string, ShadowResult[]>();
  for (const r of results) {
    const list = byClass.get(r.jobClass);
    if (list) list.push(r); else byClass.set(r.jobClass, [r]);
  }
  return [...byClass.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([jobClass, jobs]) => ({
    jobClass,
    jobs: jobs.length,
    live: quantiles(jobs.map((j) => j.liveWaitSeconds)),
    fifo: quantiles(jobs.map((j) => j.fifoWaitSeconds)),
    late: jobs.filter((j) => j.late).length,
  }));
}
