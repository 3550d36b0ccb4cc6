import { contracts, validate, type JobOutcome, type ShadowFifoReport } from "@switchyard/contracts";
import { addFinishedJob, emptyShadowFifo, replayFifo, summarizeWaits, type ShadowFifoState, type ShadowResult } from "@switchyard/decision";
import { createOnceFilter, type RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import { z } from "zod";

/** Config `shadowFifo`: how the live waits are compared with what GitLab's FIFO would have given. */
export const shadowFifoSchema = z.object({
  intervalMs: z.number().int().positive().default(5_000).describe("how often finished jobs are replayed and the report stored (keys.shadowFifo)"),
  settleSeconds: z.number().nonnegative().default(600)
    .describe("a finished job is replayed this long after it became pending, so older jobs still queued or running are in first; longer than most jobs wait and run"),
  windowSeconds: z.number().positive().default(900).describe("the report covers jobs that became pending this recently"),
  maxJobs: z.number().int().positive().default(50_000).describe("jobs kept per pool waiting to be replayed, and replayed jobs kept in the window; the oldest are dropped past it (a pool whose slots are unknown never replays)"),
}).prefault({});
export type ShadowFifoSettings = z.infer<typeof shadowFifoSchema>;

/** The optimizer's shadow FIFO: fed finished outcomes, stores the per-class report on an interval. */
export interface ShadowFifoTracker {
  observeOutcome(outcome: JobOutcome): void;
  /** Replays what has settled and stores the report; returns it. */
  tick(): Promise<ShadowFifoReport>;
  start(): void;
  stop(): void;
}

export interface ShadowFifoTrackerDeps {
  redis: Redis;
  keys: RedisKeys;
  config: ShadowFifoSettings;
  registry: Registry;
  /** Each pool's slots (sum of its runners' limits); null = unknown or unlimited. */
  readSlots: () => Promise<ReadonlyMap<string, number | null>>;
  log: Logger;
  now?: () => number;
}

const UNCLASSIFIED = "unclassified";

/**
 * The one writer of keys.shadowFifo (ShadowFifoReportV1). Only jobs that ran count (a runner reported
 * their end with a run time): a job that never ran held no slot under either scheduler. Its pending
 * time is its end less its run and queue time. Outcomes are at least once: a job id is counted once.
 * State is in memory: a restarted optimizer starts a fresh window.
 */
export function createShadowFifoTracker(deps: ShadowFifoTrackerDeps): ShadowFifoTracker {
  const log = deps.log.child({ component: "shadow-fifo" });
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const pools = new Map<string, ShadowFifoState>();
  const seen = new Set<number>();
  let window: ShadowResult[] = [];
  let timer: NodeJS.Timeout | null = null;
  const firstTime = createOnceFilter();

  const waitGauge = new Gauge({
    name: "switchyard_shadow_fifo_wait_seconds",
    help: "Queue time per job class over the shadow window: what jobs had under Switchyard (scheduler=switchyard) and what GitLab's FIFO would have given the same arrivals (scheduler=fifo)",
    labelNames: ["job_class", "scheduler", "quantile"] as const,
    registers: [deps.registry],
  });
  const jobsGauge = new Gauge({
    name: "switchyard_shadow_fifo_jobs",
    help: "Finished jobs per job class in the shadow FIFO window",
    labelNames: ["job_class"] as const,
    registers: [deps.registry],
  });

  async function tick(): Promise<ShadowFifoReport> {
    const at = now();
    const slots = await deps.readSlots();
    for (const [pool, state] of pools) {
      const poolSlots = slots.get(pool);
      if (!poolSlots) continue;
      const { state: next, replayed } = replayFifo(state, { slots: poolSlots, settledBefore: at - config.settleSeconds * 1000 });
      pools.set(pool, next);
      window.push(...replayed);
    }
    const since = at - (config.settleSeconds + config.windowSeconds) * 1000;
    window = window.filter((j) => j.pendingAt >= since);
    if (window.length > config.maxJobs) window = window.slice(Math.max(0, window.length - config.maxJobs));
    const report = validate(contracts.shadowFifoReport, {
      v: 1, windowSeconds: config.windowSeconds, settleSeconds: config.settleSeconds,
      classes: summarizeWaits(window),
      pools: [...pools].sort(([a], [b]) => a.localeCompare(b)).map(([pool, s]) => ({ pool, slots: slots.get(pool) ?? null, waiting: s.waiting.length })),
      at,
    });
    waitGauge.reset();
    jobsGauge.reset();
    for (const c of report.classes) {
      jobsGauge.set({ job_class: c.jobClass }, c.jobs);
      for (const [scheduler, q] of [["switchyard", c.live], ["fifo", c.fifo]] as const) {
        waitGauge.set({ job_class: c.jobClass, scheduler, quantile: "0.5" }, q.p50);
        waitGauge.set({ job_class: c.jobClass, scheduler, quantile: "0.95" }, q.p95);
      }
    }
    await deps.redis.set(deps.keys.shadowFifo, JSON.stringify(report));
    return report;
  }

  return {
    observeOutcome(outcome) {
      if (outcome.phase !== "finished" || outcome.end !== "runner" || outcome.runSeconds === null || seen.has(outcome.jobId)) return;
      seen.add(outcome.jobId);
      if (seen.size > config.maxJobs) seen.delete(seen.values().next().value as number);
      const state = pools.get(outcome.pool) ?? emptyShadowFifo();
      // A pool that never replays (no runner states, an unlimited runner) must not grow without bound.
      const bounded = state.waiting.length < config.maxJobs ? state : { ...state, waiting: state.waiting.slice(1) };
      pools.set(outcome.pool, addFinishedJob(bounded, {
        jobId: outcome.jobId, jobClass: outcome.jobClass ?? UNCLASSIFIED, runSeconds: outcome.runSeconds, liveWaitSeconds: outcome.queueSeconds,
        pendingAt: outcome.at - (outcome.runSeconds + outcome.queueSeconds) * 1000,
      }));
    },
    tick,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        tick().catch((err: unknown) => {
          const message = (err as Error).message;
          if (firstTime(message)) log.warn({ err: message }, "shadow FIFO report failed (the same failure again is not logged)");
        });
      }, config.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
