import { firstAsking, type DispatchPolicy } from "../sim/types.js";
import { fifoOf, type JobFifo } from "./job-fifo.js";

/**
 * Naive class priority (Buildkite job priority, Jenkins Priority Sorter, Slurm partition priority):
 * the highest class weight first, oldest first within a class, to whichever runner asks first.
 * No aging, no placement.
 */
export function createClassPriorityPolicy(): DispatchPolicy {
  const queues = new Map<string, Map<number, JobFifo>>();
  return {
    name: "priority",
    enqueue(job) {
      let byWeight = queues.get(job.pool);
      if (!byWeight) { byWeight = new Map(); queues.set(job.pool, byWeight); }
      fifoOf(byWeight, job.weight).push(job);
    },
    next(view) {
      const runner = firstAsking(view.open);
      const byWeight = queues.get(view.pool);
      if (!runner || !byWeight) return undefined;
      let best: JobFifo | undefined;
      let bestWeight = -Infinity;
      for (const [weight, q] of byWeight) if (q.length > 0 && weight > bestWeight) { best = q; bestWeight = weight; }
      return best ? { job: best.shift()!, runner } : undefined;
    },
  };
}
