import { percentile } from "@switchyard/decision";

// The one nearest-rank percentile, shared with the optimizer's shadow FIFO summary.
export { percentile };

/** Wait statistics of one group of jobs, in seconds. */
export interface WaitStats {
  jobs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  /** Jobs that waited longer than the SLI threshold. */
  overSli: number;
}

/** Summarises waits (seconds) against an SLI threshold (seconds); waits equal to it are within. */
export function waitStats(waitsS: readonly number[], sliSeconds: number): WaitStats {
  const s = [...waitsS].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    jobs: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s.length ? s[s.length - 1]! : 0,
    mean: s.length ? sum / s.length : 0,
    overSli: s.filter((w) => w > sliSeconds).length,
  };
}

/** The empirical CDF as (wait, share of jobs ≤ wait) points, thinned to about `points`; ends at (max, 1). */
export function cdfPoints(waitsS: readonly number[], points = 200): [number, number][] {
  const s = [...waitsS].sort((a, b) => a - b);
  const n = s.length;
  const out: [number, number][] = [];
  const step = Math.max(1, Math.ceil(n / points));
  for (let i = step - 1; i < n; i += step) out.push([s[i]!, (i + 1) / n]);
  if (n > 0 && out[out.length - 1]?.[1] !== 1) out.push([s[n - 1]!, 1]);
  return out;
}
