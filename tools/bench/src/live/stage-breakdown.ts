/**
 * Where a hand-off's time goes, stage by stage: the assigner's `switchyard_handoff_stage_seconds{stage}` over
 * the measured window (the difference of two scrapes), read as an operator's histogram_quantile would.
 */
export const STAGE_METRIC = "switchyard_handoff_stage_seconds";

/** Cumulative bucket counts of one histogram series: upper bound (s, Infinity for +Inf) → count. */
export type Buckets = Map<number, number>;

/** A stage's share of the hand-off over a window: how many hand-offs, p50 and p99 in ms (null when none). */
export interface StageFigure {
  stage: string;
  count: number;
  p50: number | null;
  p99: number | null;
}

/** The `<metric>_bucket{stage=…}` series of a Prometheus text exposition, per stage. */
export function parseStageBuckets(text: string, metric = STAGE_METRIC): Map<string, Buckets> {
  const out = new Map<string, Buckets>();
  const line = new RegExp(`^${metric}_bucket\\{([^}]*)\\}\\s+(\\S+)`);
  for (const raw of text.split("\n")) {
    const m = line.exec(raw);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (labels.stage === undefined || labels.le === undefined) continue;
    const le = labels.le === "+Inf" ? Infinity : Number(labels.le);
    const buckets = out.get(labels.stage) ?? new Map<number, number>();
    buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
    out.set(labels.stage, buckets);
  }
  return out;
}

/** `after − before`, bucket by bucket (a stage absent before counts from 0). */
export function bucketDelta(before: Map<string, Buckets>, after: Map<string, Buckets>): Map<string, Buckets> {
  const out = new Map<string, Buckets>();
  for (const [stage, b] of after) {
    const prev = before.get(stage);
    out.set(stage, new Map([...b].map(([le, n]) => [le, n - (prev?.get(le) ?? 0)])));
  }
  return out;
}

/**
 * The q-quantile (s) of cumulative buckets, interpolated linearly inside the bucket it falls in, as
 * Prometheus' histogram_quantile does (the lowest bucket from 0; past the last finite bound, that bound).
 */
export function bucketQuantile(q: number, buckets: Buckets): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? buckets.get(bounds[bounds.length - 1]!) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const n = buckets.get(le)!;
    if (n >= rank) {
      if (le === Infinity) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(1, n - below));
    }
    lower = le;
    below = n;
  }
  return lower;
}

/** p50 and p99 (ms, 2 decimals) of each stage, in the order given. */
export function stageFigures(delta: Map<string, Buckets>, order: readonly string[]): StageFigure[] {
  const ms = (s: number | null) => (s === null ? null : Math.round(s * 100_000) / 100);
  return order.map((stage) => {
    const b = delta.get(stage) ?? new Map<number, number>();
    return { stage, count: b.get(Infinity) ?? 0, p50: ms(bucketQuantile(0.5, b)), p99: ms(bucketQuantile(0.99, b)) };
  });
}
