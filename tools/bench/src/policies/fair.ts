import { firstAsking, type DispatchPolicy, type SimJob } from "../sim/types.js";
import { fifoOf, type JobFifo } from "./job-fifo.js";

/**
 * GitLab's fair scheduling for instance runners: the oldest job of the project with the fewest
 * running jobs (ties: the older head job) goes to whichever runner asks first.
 */
export function createFairPolicy(): DispatchPolicy {
  const queues = new Map<string, Map<number, JobFifo>>();
  return {
    name: "fair",
    enqueue(job) {
      let byProject = queues.get(job.pool);
      if (!byProject) { byProject = new Map(); queues.set(job.pool, byProject); }
      fifoOf(byProject, job.projectId).push(job);
    },
    next(view) {
      const runner = firstAsking(view.open);
      const byProject = queues.get(view.pool);
      if (!runner || !byProject) return undefined;
      let best: { q: JobFifo; running: number; head: SimJob } | undefined;
      for (const [projectId, q] of byProject) {
        const head = q.peek();
        if (!head) continue;
        const running = view.runningByProject.get(projectId) ?? 0;
        if (!best || running < best.running || (running === best.running && olderThan(head, best.head))) best = { q, running, head };
      }
      return best ? { job: best.q.shift()!, runner } : undefined;
    },
  };
}

function olderThan(a: SimJob, b: SimJob): boolean {
  return a.arrivedAt < b.arrivedAt || (a.arrivedAt === b.arrivedAt && a.jobId < b.jobId);
}
