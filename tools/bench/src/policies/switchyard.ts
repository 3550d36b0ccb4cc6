import type { JobQueued } from "@switchyard/contracts";
import {
  createDurationBook, defaultPlacementConfig, durationKey, pickNext, placeJob, queueKey, scoreJob,
  type DurationLearningConfig, type PlacementInput, type PlacementJob, type PlacementStep, type QueueEntry, type QueueOrderConfig, type RunnerView,
} from "@switchyard/decision";
import { median } from "../sim/run-times.js";
import type { DispatchPolicy, PoolView, SimJob, SimRunner } from "../sim/types.js";
import { mayTakeSlot } from "@switchyard/decision";
import { reservedSlots, type HeadroomConfig } from "./headroom.js";

/** Switchyard's decision code with a given config. */
export interface SwitchyardPolicyOptions {
  name: string;
  order: QueueOrderConfig;
  weights: Readonly<Record<string, number>>;
  /** Reservation for the top class; null = none (Switchyard as shipped). */
  headroom: HeadroomConfig | null;
  /** How expected run times are learned from finished jobs, as the optimizer does. */
  learning: DurationLearningConfig;
  /** Told of every placement with its decision record's fields (mode, rationale, candidates, ...). */
  onPlaced?: (job: SimJob, step: Extract<PlacementStep, { kind: "place" }>) => void;
}

const HOUR_MS = 3600_000;

/** Why the replay never asks the LLM (recorded as the assigner records a missing API key). */
export const BENCH_TIE_BREAK_OFF = "replay: tie-break off";

/**
 * Switchyard as the assigner runs it, minus the network: jobs held in the static order of
 * `queueKey`, the dispatcher's `pickNext` over the first `headSize`, then the dispatcher's
 * placement policy (`placeJob`) with its questions answered in-process: the scorer by `scoreJob`
 * over the pool's runners with a free slot, a supervised job's human by an approval at once; the
 * LLM tie-break is off, as without an API key. A job the policy skips or holds back leaves the
 * next pick to try, as in a dispatch round.
 */
export function createSwitchyardPolicy(opts: SwitchyardPolicyOptions): DispatchPolicy {
  const queues = new Map<string, SimJob[]>();
  const keys = new Map<number, number>();
  const highClassDispatches = new Map<number, number[]>();
  const lastTopArrival = new Map<string, number>();
  // Held deploys per project and environment, as the queue's deploy-order set: the lowest job id may go.
  const heldDeploys = new Map<string, Set<number>>();
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
      const deploys = deployOrderKey(job);
      if (deploys) heldDeploys.set(deploys, (heldDeploys.get(deploys) ?? new Set()).add(job.jobId));
    },
    next(view) {
      const q = queues.get(view.pool);
      if (!q?.length || view.open.length === 0) return undefined;
      let head = q.slice(0, opts.order.headSize);
      if (view.reserved && view.reserved.slots > 0) {
        // The warm reserve: the agents' own rule (mayTakeSlot); urgent jobs behind the head may take it.
        const { slots, minWeight } = view.reserved;
        head = q.filter((j) => mayTakeSlot(j.weight, view.freeSlots, slots, minWeight)).slice(0, opts.order.headSize);
        if (head.length === 0) return undefined;
      }
      if (opts.headroom) {
        const hr = opts.headroom;
        const reserved = reservedSlots({
          totalSlots: view.totalSlots, waiting: q.length, lastTopClassArrivalAt: lastTopArrival.get(view.pool) ?? null, now: view.now,
        }, hr);
        head = head.filter((j) => mayTakeSlot(j.weight, view.freeSlots, reserved, hr.minWeight));
        // Held-back slots go to the top class even when aged work fills the head of the order.
        if (head.length === 0 && reserved > 0) head = q.filter((j) => j.weight >= hr.minWeight).slice(0, opts.order.headSize);
        if (head.length === 0) return undefined;
      }
      const byId = new Map(head.map((j) => [j.jobId, j]));
      const ctx = { now: view.now, runningByProject: view.runningByProject, highClassUsedByProject: highClassUsed(view.now) };
      const available = askingOrder(view.open);
      let entries = head.map(entryOf);
      for (;;) {
        const picked = pickNext(entries, ctx, opts.order);
        const job = picked ? byId.get(picked.jobId) : undefined;
        if (!picked || !job) return undefined;
        const step = placeInReplay(job, keys.get(job.jobId)!, available, view);
        const runner = step.kind === "place" ? view.open.find((r) => r.spec.runnerId === step.runnerId) : undefined;
        if (!runner) { entries = entries.filter((e) => e !== picked); continue; }
        if (step.kind === "place") {
          job.placement = { mode: step.placement.mode, enforced: step.placement.enforced, closeCall: step.llm !== undefined };
          opts.onPlaced?.(job, step);
        }
        q.splice(q.indexOf(job), 1);
        const deploys = deployOrderKey(job);
        if (deploys) heldDeploys.get(deploys)?.delete(job.jobId);
        if (job.weight >= opts.order.highClassBudget.minWeight) {
          const list = highClassDispatches.get(job.projectId) ?? [];
          list.push(view.now);
          highClassDispatches.set(job.projectId, list);
        }
        return { job, runner };
      }
    },
  };

  /** Runs the placement policy to its end, answering each question it asks without a network. */
  function placeInReplay(job: SimJob, key: number, available: readonly string[], view: PoolView): PlacementStep {
    const input: PlacementInput = {
      job: placementJobOf(job, key), available, scores: { kind: "not-asked" }, oldestDeploy: isOldestDeploy(job),
      tieBreakerOff: BENCH_TIE_BREAK_OFF, config: defaultPlacementConfig,
    };
    for (;;) {
      const step = placeJob(input);
      if (step.kind === "ask-scorer") {
        input.scores = { kind: "scored", scored: scoreJob(step.request, runnerViewsOf(step.request, job, view), { weights: opts.weights }) };
      } else if (step.kind === "ask-human") {
        input.job = { ...input.job, approval: { state: "approved", by: "replay", claimedBy: null, at: view.now } };
      } else if (step.kind === "ask-llm") {
        throw new Error("replay: the policy asked the LLM although the tie-break is off");
      } else {
        return step;
      }
    }
  }

  function isOldestDeploy(job: SimJob): boolean {
    const deploys = deployOrderKey(job);
    if (!deploys) return true;
    return Math.min(...(heldDeploys.get(deploys) ?? [job.jobId])) === job.jobId;
  }

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

/** The deploy-order set a deploy belongs to (GitLab environments are per project), or null. */
function deployOrderKey(j: SimJob): string | null {
  return j.isDeploy && j.trace.environment ? `${j.projectId}:${j.trace.environment}` : null;
}

/** The replay's runners, longest-waiting first: the order the broker's polling set gives. */
function askingOrder(open: readonly SimRunner[]): string[] {
  return [...open]
    .sort((a, b) => a.freeSince[0]! - b.freeSince[0]! || (a.spec.runnerId < b.spec.runnerId ? -1 : a.spec.runnerId > b.spec.runnerId ? 1 : 0))
    .map((r) => r.spec.runnerId);
}

/** A trace job as the assigner holds it: what the placement policy and the scorer read. */
export function placementJobOf(j: SimJob, key: number): PlacementJob {
  return {
    jobId: j.jobId, pool: j.pool, projectId: j.projectId, projectPath: j.trace.project, pipelineId: j.trace.pipelineId,
    name: j.trace.name, stage: j.trace.stage, ref: null, protectedRef: j.trace.refClass === "default" || j.trace.refClass === "protected",
    pipelineSource: j.trace.pipelineSource, environment: j.trace.environment, environmentTier: j.trace.environmentTier, environmentAction: null,
    jobClass: j.jobClass, tier: j.tier, queueKey: key, arrivedAt: Math.round(j.arrivedAt), gitlabQueueSeconds: 0, timeoutSeconds: null,
    isDeploy: j.isDeploy,
  };
}

/**
 * The scorer's runner views for the runners the request offers, as the scorer service builds them:
 * the free slots are the request's (one per asking runner), the rest the runner's state.
 */
export function runnerViewsOf(request: JobQueued, j: SimJob, view: PoolView): RunnerView[] {
  const byId = new Map(view.open.map((r) => [r.spec.runnerId, r]));
  return request.openRunners.flatMap((o) => {
    const r = byId.get(o.runnerId);
    return r ? [runnerViewOf(r, j, view, o.freeSlots)] : [];
  });
}

/** The monitor's runner state plus the scorer's history, for the one job name being scored. */
function runnerViewOf(r: SimRunner, j: SimJob, view: PoolView, freeSlots: number): RunnerView {
  const own = r.runTimes.get(j.trace.name);
  const fleet = view.fleetMedian(j.trace.name);
  return {
    v: 1, runnerId: r.spec.runnerId, description: r.spec.runnerId, pool: r.spec.pool, tags: r.spec.tags, runUntagged: false,
    protected: false, paused: false, status: "online", draining: false, healthy: true, limit: r.spec.limit, running: r.running,
    runningJobIds: [], diskUsedRatio: null, cpus: r.spec.cpus, memoryGiB: null, version: null, contactedAt: view.now, updatedAt: view.now,
    successRate: null, freeSlots,
    medianDurationByJobName: own?.length ? { [j.trace.name]: median(own) } : {},
    fleetMedianByJobName: fleet === undefined ? {} : { [j.trace.name]: fleet },
    recentPipelines: r.recentPipelines, recentProjects: r.recentProjects,
  };
}
