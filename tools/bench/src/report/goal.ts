import type { PolicySummary } from "./summarize.js";

/** One goal of issue 17, its figure beside its target; `met` null when the replay cannot measure it. */
export interface GoalLine {
  goal: string;
  figure: string;
  target: string;
  met: boolean | null;
}

/** Thresholds of the goals (ratios). */
export const GOAL = Object.freeze({
  topP95OverLowerBound: 1.1, meanOverFifo: 0.9, classP99OverFifo: 1.25, maxOverFifo: 1.25,
});

const sec = (s: number): string => `${Math.round(s)} s`;

/**
 * Judges one policy (Switchyard's defaults) against FIFO and naive priority at one load:
 * top class p95 ≤ priority's and ≤ 1.1 × its own lower bound; `protected` p95 ≤ priority's;
 * mean ≤ 0.9 × FIFO's; each class's p99 and the maximum ≤ 1.25 × FIFO's; pipeline
 * time-to-result mean ≤ FIFO's. The autoscaling goal is judged on the autoscaled replays (frontier-goal.ts).
 */
export function judgeGoals(topClass: string, fifo: PolicySummary, priority: PolicySummary, policy: PolicySummary): GoalLine[] {
  const lines: GoalLine[] = [];
  const top = policy.byClass[topClass]?.p95;
  const prTop = priority.byClass[topClass]?.p95;
  const lb = policy.lowerBound.byClass[topClass]?.p95;
  if (top !== undefined && prTop !== undefined && lb !== undefined) {
    lines.push({ goal: `${topClass} p95 ≤ naive priority's`, figure: sec(top), target: `≤ ${sec(prTop)}`, met: top <= prTop });
    lines.push({ goal: `${topClass} p95 ≤ ${GOAL.topP95OverLowerBound} × its lower bound`, figure: sec(top), target: `≤ ${sec(GOAL.topP95OverLowerBound * lb)}`, met: top <= GOAL.topP95OverLowerBound * lb });
  }
  const prot = policy.byClass.protected?.p95;
  const prProt = priority.byClass.protected?.p95;
  if (prot !== undefined && prProt !== undefined) {
    lines.push({ goal: "protected p95 ≤ naive priority's", figure: sec(prot), target: `≤ ${sec(prProt)}`, met: prot <= prProt });
  }
  lines.push({
    goal: `overall mean wait ≤ ${GOAL.meanOverFifo} × FIFO's`, figure: `${policy.overall.mean.toFixed(1)} s`,
    target: `≤ ${(GOAL.meanOverFifo * fifo.overall.mean).toFixed(1)} s`, met: policy.overall.mean <= GOAL.meanOverFifo * fifo.overall.mean,
  });
  let worst: { cls: string; ratio: number } | null = null;
  for (const [cls, s] of Object.entries(policy.byClass)) {
    const f = fifo.byClass[cls]?.p99;
    if (f === undefined) continue;
    const ratio = f > 0 ? s.p99 / f : s.p99 === 0 ? 0 : Infinity;
    if (!worst || ratio > worst.ratio) worst = { cls, ratio };
  }
  if (worst) {
    lines.push({
      goal: `every class's p99 ≤ ${GOAL.classP99OverFifo} × its FIFO p99`, figure: `worst ${worst.cls} ×${worst.ratio.toFixed(2)}`,
      target: `≤ ×${GOAL.classP99OverFifo}`, met: worst.ratio <= GOAL.classP99OverFifo,
    });
  }
  lines.push({
    goal: `maximum wait ≤ ${GOAL.maxOverFifo} × FIFO's`, figure: sec(policy.overall.max),
    target: `≤ ${sec(GOAL.maxOverFifo * fifo.overall.max)}`, met: policy.overall.max <= GOAL.maxOverFifo * fifo.overall.max,
  });
  lines.push({
    goal: "pipeline time-to-result mean ≤ FIFO's", figure: sec(policy.pipelines.mean),
    target: `≤ ${sec(fifo.pipelines.mean)}`, met: policy.pipelines.mean <= fifo.pipelines.mean,
  });
  return lines;
}
