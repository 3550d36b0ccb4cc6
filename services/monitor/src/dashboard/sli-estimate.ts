import { SLI_BUCKETS, SliSummaryV1 } from "@switchyard/contracts";

export { SLI_BUCKETS };

/** Per pool and job class queue-time totals with p50/p95 estimated from the bucket counts. */
export interface SliRow {
  pool: string;
  jobClass: string;
  jobs: number;
  exceeded: number;
  overTarget: number;
  meanSeconds: number | null;
  /** Infinity when the quantile falls in the +Inf bucket; null without jobs. */
  p50: number | null;
  p95: number | null;
  updatedAt: number | null;
}

/**
 * Estimates a quantile from non-cumulative bucket counts the way Prometheus'
 * histogram_quantile does: linear inside the bucket, lower bound 0 for the first.
 */
export function estimateQuantile(q: number, counts: ReadonlyMap<string, number>): number | null {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  let lower = 0;
  for (const upper of SLI_BUCKETS) {
    const inBucket = counts.get(String(upper)) ?? 0;
    if (inBucket > 0 && seen + inBucket >= rank) return lower + (upper - lower) * ((rank - seen) / inBucket);
    seen += inBucket;
    lower = upper;
  }
  return Number.POSITIVE_INFINITY;
}

/** Turns one `sliSummary` HASH into a row; missing or malformed numbers count as 0. */
export function sliRowFrom(pool: string, jobClass: string, hash: Record<string, string>): SliRow {
  const s = SliSummaryV1.parse(hash);
  return {
    pool, jobClass, jobs: s.jobs,
    exceeded: s.exceeded,
    overTarget: s.overTarget,
    meanSeconds: s.jobs > 0 ? s.queueSecondsSum / s.jobs : null,
    p50: estimateQuantile(0.5, s.buckets),
    p95: estimateQuantile(0.95, s.buckets),
    updatedAt: s.updatedAt,
  };
}
