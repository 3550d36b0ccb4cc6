import type { Logger } from "@switchyard/runtime";
import type { PipelineRunner } from "../gitlab/pipelines.js";
import { mulberry32 } from "../prng.js";
import { createPipelineGenerator, DEFAULT_PROJECTS, DEFAULT_WORKLOAD_POOLS, type PipelineMix } from "./pipeline-generator.js";

export interface WorkloadOptions extends Partial<PipelineMix> {
  /** Where pipelines go: the sim GitLab's pipeline runner (or the SimulatedGitLab itself). */
  gitlab: Pick<PipelineRunner, "enqueuePipeline">;
  /** Pipelines per real minute (Poisson arrivals). */
  rate: number;
  /** Bursts on top of the rate: whole pipelines at once, as a fleet sees after a merge train or a nightly schedule. */
  burst?: WorkloadBurst;
  seed?: number;
  log?: Logger;
}

/** Every `everyMs` (real ms), `pipelines` pipelines at the same instant; the first after `firstAfterMs` (default `everyMs`). */
export interface WorkloadBurst {
  everyMs: number;
  pipelines: number;
  firstAfterMs?: number;
}

/** A running workload: starts and stops pipeline arrivals. */
export interface Workload {
  start(): void;
  stop(): void;
  /** Enqueues one pipeline now; returns its id. */
  enqueueOne(): number;
  enqueued(): number;
}

/** Creates a workload that enqueues seeded pipelines at `rate` per minute, plus any bursts, once started. */
export function createWorkload(options: WorkloadOptions): Workload {
  const seed = options.seed ?? 1;
  const next = createPipelineGenerator({
    projects: options.projects ?? DEFAULT_PROJECTS,
    pools: options.pools ?? DEFAULT_WORKLOAD_POOLS,
    mergeRequestShare: options.mergeRequestShare ?? 0.45,
    scheduleShare: options.scheduleShare ?? 0.1,
    productionShare: options.productionShare ?? 0.3,
    failureRate: options.failureRate ?? 0.03,
  }, seed);
  const arrivals = mulberry32(seed ^ 0x5bd1e995);
  let timer: NodeJS.Timeout | null = null;
  let burstTimer: NodeJS.Timeout | null = null;
  let count = 0;
  const meanGapMs = 60_000 / Math.max(options.rate, 1e-9);

  const workload: Workload = {
    enqueueOne() {
      const id = options.gitlab.enqueuePipeline(next());
      count++;
      options.log?.debug({ pipelineId: id }, "workload pipeline enqueued");
      return id;
    },
    start() {
      const burst = options.burst;
      if (!burstTimer && burst && burst.pipelines > 0 && burst.everyMs > 0) {
        const fire = (delay: number) => {
          burstTimer = setTimeout(() => {
            for (let i = 0; i < burst.pipelines; i++) workload.enqueueOne();
            options.log?.info({ pipelines: burst.pipelines }, "workload burst enqueued");
            fire(burst.everyMs);
          }, delay);
          burstTimer.unref();
        };
        fire(burst.firstAfterMs ?? burst.everyMs);
      }
      if (timer || options.rate <= 0) return;
      const schedule = () => {
        const gap = -Math.log(1 - arrivals()) * meanGapMs;
        timer = setTimeout(() => { workload.enqueueOne(); schedule(); }, gap);
        timer.unref();
      };
      schedule();
    },
    stop() {
      if (timer) clearTimeout(timer);
      if (burstTimer) clearTimeout(burstTimer);
      timer = null;
      burstTimer = null;
    },
    enqueued: () => count,
  };
  return workload;
}
