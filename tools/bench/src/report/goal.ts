import type { SimulationResult } from "../sim/simulate.js";
import type { PolicySummary } from "./summarize.js";
import { waitSeconds } from "./summarize.js";

/** The replay goal at the congested load, judged for one policy against FIFO. */
export interface GoalCheck {
  policy: string;
  topClass: string;
  /** Top class p95 / FIFO's top class p95; goal ≤ 0.25. */
  topP95Ratio: number | null;
  /** Overall mean / FIFO's overall mean; goal ≤ 1.05. */
  meanRatio: number | null;
  /** Jobs that waited more than 2 × their FIFO wait + 60 s; goal 0. */
  jobsOverBound: number;
  /** The job furthest over that bound: its id, class, wait and FIFO wait (s). */
  worst: { jobId: number; jobClass: string; waitS: number; fifoWaitS: number } | null;
  met: { topP95: boolean; mean: boolean; perJob: boolean };
}

/** Goal thresholds: top class p95 ≤ 25% of FIFO's, mean ≤ 105% of FIFO's, every job ≤ 2 × FIFO + 60 s. */
export const GOAL = Object.freeze({ topP95MaxRatio: 0.25, meanMaxRatio: 1.05, perJobFactor: 2, perJobSlackS: 60 });

/** Compares one replay with FIFO's replay of the same trace and load. */
export function checkGoal(
  topClass: string, fifo: { result: SimulationResult; summary: PolicySummary }, other: { result: SimulationResult; summary: PolicySummary },
): GoalCheck {
  const fifoTop = fifo.summary.byClass[topClass]?.p95;
  const top = other.summary.byClass[topClass]?.p95;
  const topP95Ratio = fifoTop === undefined || top === undefined ? null : fifoTop > 0 ? top / fifoTop : top === 0 ? 0 : Infinity;
  const meanRatio = fifo.summary.overall.mean > 0 ? other.summary.overall.mean / fifo.summary.overall.mean : null;
  const fifoWait = new Map<number, number>();
  for (const j of fifo.result.jobs) { const w = waitSeconds(j); if (w !== null) fifoWait.set(j.jobId, w); }
  let jobsOverBound = 0;
  let worst: GoalCheck["worst"] = null;
  let worstExcess = 0;
  for (const j of other.result.jobs) {
    const w = waitSeconds(j);
    const f = fifoWait.get(j.jobId);
    if (w === null || f === undefined) continue;
    const excess = w - (GOAL.perJobFactor * f + GOAL.perJobSlackS);
    if (excess > 0) {
      jobsOverBound++;
      if (excess > worstExcess) { worstExcess = excess; worst = { jobId: j.jobId, jobClass: j.jobClass, waitS: w, fifoWaitS: f }; }
    }
  }
  return {
    policy: other.summary.policy, topClass, topP95Ratio, meanRatio, jobsOverBound, worst,
    met: {
      topP95: topP95Ratio !== null && topP95Ratio <= GOAL.topP95MaxRatio,
      mean: meanRatio !== null && meanRatio <= GOAL.meanMaxRatio,
      perJob: jobsOverBound === 0,
    },
  };
}
