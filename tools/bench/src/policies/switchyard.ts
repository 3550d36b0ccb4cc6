import type { JobQueued } from "@switchyard/contracts";
import {
  createDurationBook, durationKey, pickNext, queueKey, scoreJob,
  type DurationLearningConfig, type QueueEntry, type QueueOrderConfig, type RunnerView,
} from "@switchyard/decision";
import { median } from "../sim/run-times.js";
import type { DispatchPolicy, PoolView, SimJob, SimRunner } from "../sim/types.js";
import { mayTakeSlot, reservedSlots, type HeadroomConfig } from "./headroom.js";

/** Switchyard's decision code with a given config. */
export interface SwitchyardPolicyOptions {
  name: string;
  order: QueueOrderConfig;
  weights: Readonly<Record<string, number>>;
  /** Reservation for the top class; null = none (Switchyard as shipped). */
  headroom: HeadroomConfig | null;
  /** How expected run times are learned from finished jobs, as the optimizer does. */
  learning: DurationLearningConfig;
}

const HOUR_MS = 3600_000;

/**
 * Switchyard as the assigner runs it, minus the network: jobs held in the static order of
 * `queueKey`, the dispatcher's `pickNext` over the first `lookaheadK`, then `scoreJob` over the
 * pool's runners with a free slot and the top candidate wins (the LLM tie-break is off, as without
 * an API key; supervised jobs count as approved at once).
 */
export function createSwitchyardPolicy(opts: SwitchyardPolicyOptions): DispatchPolicy {
  const queues = new Map<string, SimJob[]>();
  const keys = new Map<number, number>();
  const highClassDispatches = new Map<number, number[]>();
  const lastTopArrival = new Map<string, number>();
  // Learned online from this replay's finished jobs only, as the optimizer learns from outcomes.
  const durations = createDurationBook(opts.learning);
  return {
    name: opts.name,
    finished(job, runSeconds) { durations.record(durationKey(job.projectId, job.trace.name), runSeconds); },
    enqueue(job, now) {
      job.predictedRunS = durations.expected(durationKey(job.projectId, job.trace.name));
      const key = queueKey({ arrivedAt: job.arrivedAt, weight: job.weight, expectedDurationS: job.predictedRunS }, opts.order);
      keys.set(job.jobId, key);
      let q = queues.get(job.pool);
      if (!q) { q = []; queues.set(job.pool, q); }
      q.splice(insertionIndex(q, job, key, keys), 0, job);
      if (opts.headroom && job.weight >= opts.headroom.minWeight) lastTopArrival.set(job.pool, now);
    },
    next(view) {
      const q = queues.get(view.pool);
      if (!q?.length || view.open.length === 0) return undefined;
      let head = q.slice(0, opts.order.lookaheadK);
      if (opts.headroom) {
        const hr = opts.headroom;
        const reserved = reservedSlots({
          totalSlots: view.totalSlots, waiting: q.length, lastTopClassArrivalAt: lastTopArrival.get(view.pool) ?? null, now: view.now,
        }, hr);
        head = head.filter((j) => mayTakeSlot(j.weight, view.freeSlots, reserved, hr));
        // Held-back slots go to the top class even when aged work fills the head of the order.
        if (head.length === 0 && reserved > 0) head = q.filter((j) => j.weight >= hr.minWeight).slice(0, opts.order.lookaheadK);
        if (head.length === 0) return undefined;
      }
      const byId = new Map(head.map((j) => [j.jobId, j]));
      const picked = pickNext(head.map(entryOf), {
        now: view.now, runningByProject: view.runningByProject, highClassUsedByProject: highClassUsed(view.now),
      }, opts.order);
      const job = picked ? byId.get(picked.jobId) : undefined;
      if (!job) return undefined;
      const ranked = scoreJob(jobQueuedOf(job, view), view.open.map((r) => runnerViewOf(r, job, view)), { weights: opts.weights });
      const top = ranked.candidates[0];
      const runner = top ? view.open.find((r) => r.spec.runnerId === top.runnerId) : undefined;
      if (!runner) return undefined;
      q.splice(q.indexOf(job), 1);
      if (job.weight >= opts.order.highClassBudget.minWeight) {
        const list = highClassDispatches.get(job.projectId) ?? [];
        list.push(view.now);
        highClassDispatches.set(job.projectId, list);
      }
      return { job, runner };
    },
  };

  function highClassUsed(now: number): Map<number, number> {
    const used = new Map<number, number>();
    for (const [projectId, times] of highClassDispatches) {
      while (times.length && times[0]! <= now - HOUR_MS) times.shift();
      if (times.length) used.set(projectId, times.length);
    }
    return used;
  }
}

function insertionIndex(q: readonly SimJob[], job: SimJob, key: number, keys: ReadonlyMap<number, number>): number {
  let lo = 0, hi = q.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const other = q[mid]!;
    const k = keys.get(other.jobId)!;
    const before = k < key || (k === key && (other.arrivedAt < job.arrivedAt || (other.arrivedAt === job.arrivedAt && other.jobId < job.jobId)));
    if (before) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function entryOf(j: SimJob): QueueEntry {
  return {
    jobId: j.jobId, projectId: j.projectId, jobClass: j.jobClass, weight: j.weight, arrivedAt: j.arrivedAt,
    environment: j.trace.environment, isDeploy: j.isDeploy, expectedDurationS: j.predictedRunS ?? null,
  };
}

/** The secret-free job view the scorer gets, as the dispatcher's toJobQueued builds it. */
function jobQueuedOf(j: SimJob, view: PoolView): JobQueued {
  return {
    v: 1, jobId: j.jobId, pool: j.pool, projectId: j.projectId, projectPath: j.trace.project, pipelineId: j.trace.pipelineId,
    name: j.trace.name.slice(0, 512), stage: j.trace.stage.slice(0, 255), ref: null,
    protectedRef: j.trace.refClass === "default" || j.trace.refClass === "protected", pipelineSource: j.trace.pipelineSource,
    environment: j.trace.environment ? { name: j.trace.environment, tier: j.trace.environmentTier, action: null } : null,
    jobClass: j.jobClass, tier: j.tier, priority: 0, arrivedAt: Math.round(j.arrivedAt), gitlabQueueSeconds: 0,
    timeoutSeconds: null, openRunners: view.open.map((r) => ({ runnerId: r.spec.runnerId, freeSlots: r.spec.limit - r.running })),
  };
}

/** The monitor's runner state plus the scorer's history, for the one job name being scored. */
function runnerViewOf(r: SimRunner, j: SimJob, view: PoolView): RunnerView {
  const own = r.runTimes.get(j.trace.name);
  const fleet = view.fleetMedian(j.trace.name);
  return {
    v: 1, runnerId: r.spec.runnerId, description: r.spec.runnerId, pool: r.spec.pool, tags: r.spec.tags, runUntagged: false,
    protected: false, paused: false, status: "online", draining: false, healthy: true, limit: r.spec.limit, running: r.running,
    runningJobIds: [], diskUsedRatio: null, cpus: r.spec.cpus, memoryGiB: null, version: null, contactedAt: view.now, updatedAt: view.now,
    successRate: null, freeSlots: r.spec.limit - r.running,
    medianDurationByJobName: own?.length ? { [j.trace.name]: median(own) } : {},
    fleetMedianByJobName: fleet === undefined ? {} : { [j.trace.name]: fleet },
    recentPipelines: r.recentPipelines, recentProjects: r.recentProjects,
  };
}
