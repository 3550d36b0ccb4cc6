import { firstAsking, type DispatchPolicy } from "../sim/types.js";
import { fifoOf, type JobFifo } from "./job-fifo.js";

/** GitLab's default: the oldest pending job of the pool goes to whichever runner asks first. */
export function createFifoPolicy(): DispatchPolicy {
  const queues = new Map<string, JobFifo>();
  return {
    name: "fifo",
    enqueue(job) { fifoOf(queues, job.pool).push(job); },
    next(view) {
      const q = queues.get(view.pool);
      const runner = firstAsking(view.open);
      if (!q?.length || !runner) return undefined;
      return { job: q.shift()!, runner };
    },
  };
}
