import type { GoalLine } from "./goal.js";

/** A frontier point as the goal reads it: cost (machine-hours) and the top class's p95 wait (s). */
export interface CostWait {
  knob: string;
  machineHours: number;
  topP95: number;
}

/** The autoscaling goal's lines: equal cost, equal wait, and whether either holds. */
export type FrontierGoal = GoalLine[];

/**
 * Thresholds of issue 17's autoscaling goal. Two p95 waits count as equal within 5 s or 5%, whichever is
 * more: a boot-bound p95 moves by a second between knobs, and a second must not decide the verdict.
 */
export const FRONTIER_GOAL = Object.freeze({ p95AtEqualCost: 0.5, savingsAtEqualWait: 0.15, equalWaitSeconds: 5, equalWaitRatio: 0.05 });

/** The longest baseline wait that still counts as equal to `wait`. */
export function equalWait(wait: number): number {
  return wait + Math.max(FRONTIER_GOAL.equalWaitSeconds, FRONTIER_GOAL.equalWaitRatio * wait);
}

/**
 * The baseline's best wait at each cost: points sorted by machine-hours with the p95 made
 * non-increasing (spending more can always mimic spending less), so both lookups are monotone.
 */
export function lowerEnvelope(points: readonly CostWait[]): CostWait[] {
  const sorted = [...points].sort((a, b) => a.machineHours - b.machineHours);
  const out: CostWait[] = [];
  let best = Infinity;
  for (const p of sorted) {
    best = Math.min(best, p.topP95);
    out.push({ ...p, topP95: best });
  }
  return out;
}

/** The baseline's p95 at `hours`, linear between its points; null outside the machine-hours it spans. */
export function waitAtCost(envelope: readonly CostWait[], hours: number): number | null {
  for (let i = 0; i < envelope.length; i++) {
    const p = envelope[i]!;
    if (p.machineHours === hours) return p.topP95;
    const q = envelope[i + 1];
    if (q && p.machineHours < hours && hours < q.machineHours) {
      return p.topP95 + ((hours - p.machineHours) / (q.machineHours - p.machineHours)) * (q.topP95 - p.topP95);
    }
  }
  return null;
}

/** The machine-hours the baseline needs to get its p95 down to `wait`; null when no point of it gets there. */
export function costAtWait(envelope: readonly CostWait[], wait: number): number | null {
  for (let i = 0; i < envelope.length; i++) {
    const p = envelope[i]!;
    if (p.topP95 > wait) continue;
    const prev = envelope[i - 1];
    if (!prev || prev.topP95 === p.topP95) return p.machineHours;
    return prev.machineHours + ((prev.topP95 - wait) / (prev.topP95 - p.topP95)) * (p.machineHours - prev.machineHours);
  }
  return null;
}

/** One candidate point against the baseline: its p95 over the baseline's at equal cost, and its savings at equal wait. */
export interface PointFigures {
  point: CostWait;
  /** Candidate p95 / baseline p95 at the candidate's machine-hours; null outside the baseline's range. */
  ratio: number | null;
  baseWait: number | null;
  /** 1 − candidate machine-hours / baseline machine-hours for an equal p95 (equalWait); null when the baseline never gets there. */
  savings: number | null;
  baseCost: number | null;
}

/** One point against the baseline's lower envelope (`lowerEnvelope` of its points). */
export function pointFigures(env: readonly CostWait[], point: CostWait): PointFigures {
  const baseWait = waitAtCost(env, point.machineHours);
  // When even the baseline's cheapest point waits less, how cheap it could go is unknown: no comparison.
  const baseCost = env[0] !== undefined && env[0].topP95 < point.topP95 ? null : costAtWait(env, equalWait(point.topP95));
  return {
    point, baseWait, baseCost,
    // Both at 0 s is a tie (×1), not a halving.
    ratio: baseWait === null ? null : baseWait > 0 ? point.topP95 / baseWait : point.topP95 === 0 ? 1 : Infinity,
    savings: baseCost === null || baseCost <= 0 ? null : 1 - point.machineHours / baseCost,
  };
}

/**
 * The candidate knob that does best against the baseline: one that meets the goal first, then the
 * lowest p95 ratio at equal cost, then the most savings at equal wait.
 */
export function bestPoint(baseline: readonly CostWait[], candidates: readonly CostWait[]): CostWait | null {
  const met = (f: PointFigures) => (f.ratio !== null && f.ratio <= FRONTIER_GOAL.p95AtEqualCost) || (f.savings !== null && f.savings >= FRONTIER_GOAL.savingsAtEqualWait);
  const env = lowerEnvelope(baseline);
  const ranked = candidates.map((c) => pointFigures(env, c)).sort((a, b) =>
    Number(met(b)) - Number(met(a)) || (a.ratio ?? Infinity) - (b.ratio ?? Infinity) || (b.savings ?? -Infinity) - (a.savings ?? -Infinity));
  return ranked[0]?.point ?? null;
}

/**
 * Issue 17's autoscaling goal for one load: at equal machine-hours the candidate's top-class p95 is at
 * most half the baseline's, or at equal top-class p95 it spends at least 15% fewer machine-hours. Each is
 * judged at the best of the candidate points given (pass one point to judge a knob chosen elsewhere); a
 * point outside the baseline's range is not compared.
 */
export function judgeFrontier(baseline: { name: string; points: readonly CostWait[] }, candidate: { name: string; points: readonly CostWait[] }, topClass: string): FrontierGoal {
  const env = lowerEnvelope(baseline.points);
  const figures = candidate.points.map((c) => pointFigures(env, c));
  const cost = figures.filter((f) => f.ratio !== null).sort((a, b) => a.ratio! - b.ratio!)[0];
  const wait = figures.filter((f) => f.savings !== null).sort((a, b) => b.savings! - a.savings!)[0];
  const sec = (s: number) => `${Math.round(s)} s`;
  const costGoal = `${topClass} p95 ≤ ${FRONTIER_GOAL.p95AtEqualCost} × ${baseline.name}'s at equal machine-hours`;
  const waitGoal = `≥ ${100 * FRONTIER_GOAL.savingsAtEqualWait}% fewer machine-hours than ${baseline.name} at equal ${topClass} p95`;
  const lines: GoalLine[] = [
    cost
      ? {
        goal: costGoal, target: `≤ ×${FRONTIER_GOAL.p95AtEqualCost}`, met: cost.ratio! <= FRONTIER_GOAL.p95AtEqualCost,
        figure: `×${cost.ratio!.toFixed(2)} (${cost.point.knob}: ${sec(cost.point.topP95)} vs ${sec(cost.baseWait!)} at ${cost.point.machineHours.toFixed(0)} h)`,
      }
      : { goal: costGoal, figure: "no point within the baseline's machine-hours", target: `≤ ×${FRONTIER_GOAL.p95AtEqualCost}`, met: null },
    wait
      ? {
        goal: waitGoal, target: `≥ ${100 * FRONTIER_GOAL.savingsAtEqualWait}%`, met: wait.savings! >= FRONTIER_GOAL.savingsAtEqualWait,
        figure: `${(100 * wait.savings!).toFixed(0)}% (${wait.point.knob}: ${wait.point.machineHours.toFixed(0)} h vs ${wait.baseCost!.toFixed(0)} h for ${sec(wait.point.topP95)})`,
      }
      : { goal: waitGoal, figure: "the baseline never reaches the candidate's waits", target: `≥ ${100 * FRONTIER_GOAL.savingsAtEqualWait}%`, met: null },
  ];
  const verdicts = lines.map((l) => l.met);
  lines.push({
    goal: "autoscaling goal (either of the two above)", figure: candidate.name, target: "one met",
    met: verdicts.includes(true) ? true : verdicts.every((v) => v === null) ? null : false,
  });
  return lines;
}
