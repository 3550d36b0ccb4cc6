import { median } from "./run-history.js";
import type { JoinedRecord } from "./joined-record.js";

/** Regret of Switchyard's choices versus FIFO for one job class. */
export interface ClassRegret {
  jobClass: string;
  /** Joined decisions of this class (enforced or not). */
  decisions: number;
  enforced: number;
  /** Decisions where Switchyard and FIFO picked the same runner. */
  sameAsFifo: number;
  /** Decisions with a regret estimate (same runner, or the other runner has recent runs of the class). */
  estimated: number;
  meanRegretSeconds: number | null;
  medianRegretSeconds: number | null;
  /** Estimated seconds saved versus FIFO in total (−sum of regret). */
  savedSeconds: number;
}

/**
 * Per class, what Switchyard's choices cost or saved versus FIFO's runner. The estimate (see
 * `JoinedRecord.regretSeconds`) compares an actual run with the other runner's recent median run of the
 * same class; decisions without such history are counted but not estimated.
 */
export function counterfactualReport(records: readonly JoinedRecord[]): ClassRegret[] {
  const byClass = new Map<string, JoinedRecord[]>();
  for (const r of records) byClass.set(r.jobClass, [...(byClass.get(r.jobClass) ?? []), r]);
  return [...byClass.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([jobClass, rs]) => {
    const regrets = rs.map((r) => r.regretSeconds).filter((v): v is number => v !== null);
    const sum = regrets.reduce((s, v) => s + v, 0);
    return {
      jobClass,
      decisions: rs.length,
      enforced: rs.filter((r) => r.enforced).length,
      sameAsFifo: rs.filter((r) => r.chosenRunnerId !== null && r.chosenRunnerId === r.fifoRunnerId).length,
      estimated: regrets.length,
      meanRegretSeconds: regrets.length > 0 ? sum / regrets.length : null,
      medianRegretSeconds: median(regrets),
      savedSeconds: -sum,
    };
  });
}
