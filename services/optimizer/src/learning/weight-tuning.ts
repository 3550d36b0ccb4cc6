import type { PluginAccuracy } from "./plugin-accuracy.js";

/** Bounds a plugin's weight may move within. */
export interface WeightBounds {
  min: number;
  max: number;
}

/** Everything one tuning step needs; pure input. */
export interface TuneInput {
  current: Readonly<Record<string, number>>;
  accuracy: readonly PluginAccuracy[];
  bounds: Readonly<Record<string, WeightBounds>>;
  /** Largest change of any one weight in one step. */
  maxStep: number;
  /** Samples a plugin needs before its weight moves. */
  minSamples: number;
  /** |correlation| below this is noise: no change. */
  deadband: number;
  frozen: boolean;
}

/** One weight that moved, and the evidence for it. */
export interface WeightChange {
  plugin: string;
  from: number;
  to: number;
  correlation: number;
  samples: number;
}

/** New weights (all plugins, changed or not), what changed, and a one-line reason. */
export interface TuneResult {
  weights: Record<string, number>;
  changes: WeightChange[];
  reason: string;
}

/**
 * One tuning step: each plugin with enough samples and a correlation outside the deadband moves by
 * `maxStep × correlation` (so never more than maxStep), then is clamped into its bounds; a weight that
 * starts outside its bounds moves toward them by at most maxStep. Plugins without bounds never move.
 * Frozen: nothing changes.
 */
export function tuneWeights(input: TuneInput): TuneResult {
  const weights = { ...input.current };
  if (input.frozen) return { weights, changes: [], reason: "weights frozen" };
  const changes: WeightChange[] = [];
  for (const a of input.accuracy) {
    const from = input.current[a.plugin];
    const bounds = input.bounds[a.plugin];
    if (from === undefined || !bounds || a.correlation === null) continue;
    if (a.samples < input.minSamples || Math.abs(a.correlation) < input.deadband) continue;
    const wanted = clamp(from + input.maxStep * a.correlation, bounds.min, bounds.max);
    const stepped = clamp(wanted, from - input.maxStep, from + input.maxStep);
    const to = readable(stepped, from, input.maxStep, bounds);
    if (to === from) continue;
    weights[a.plugin] = to;
    changes.push({ plugin: a.plugin, from, to, correlation: a.correlation, samples: a.samples });
  }
  const reason = changes.length === 0
    ? "no plugin had enough evidence to move"
    : changes.map((c) => `${c.plugin} ${c.from}→${c.to} (rank corr ${c.correlation.toFixed(2)} over ${c.samples} outcomes)`).join("; ");
  return { weights, changes, reason };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

// Four decimals keep published weights readable; the rounded value is used only if it stays within the step
// and the bounds (and moves the same way), else the exact one is.
function readable(to: number, from: number, step: number, bounds: WeightBounds): number {
  if (to === from) return to;
  const r = to > from ? Math.floor(to * 1e4) / 1e4 : Math.ceil(to * 1e4) / 1e4;
  const sameWay = (r - from) * (to - from) > 0;
  const inBounds = from < bounds.min || from > bounds.max || (r >= bounds.min && r <= bounds.max);
  return sameWay && inBounds && Math.abs(r - from) <= step ? r : to;
}
