/** Percentiles of a latency sample in milliseconds (nearest rank). */
export interface LatencyStats {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** Summarises a sample; every figure is null for an empty one. */
export function latencyStats(values: readonly number[]): LatencyStats {
  if (values.length === 0) return { count: 0, p50: null, p99: null, max: null, mean: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  const sum = sorted.reduce((s, v) => s + v, 0);
  return { count: sorted.length, p50: round2(rank(0.5)), p99: round2(rank(0.99)), max: round2(sorted[sorted.length - 1]!), mean: round2(sum / sorted.length) };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
