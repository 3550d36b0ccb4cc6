import type { JobOutcome } from "@switchyard/contracts";
import type { Logger } from "pino";
import type { BurnRateTracker } from "./burn-rate.js";
import type { ClassTarget } from "./config.js";
import type { SliMetrics } from "./sli-metrics.js";
import type { SliSummaryStore } from "./sli-summary-store.js";
import { evaluateQueuingDuration, type JobQueuingDuration, type QueuingVerdict } from "./sli/job-queuing-durations.js";

/** Label for outcomes the assigner could not classify. */
export const UNCLASSIFIED = "unclassified";

/** What observing one outcome did; `counted: false` means the job was already counted. */
export type ObserveResult = { counted: false } | { counted: true; verdict: QueuingVerdict; overTarget: boolean };

/** Turns job outcomes into the queue-time SLI: once per job, the first outcome carrying its queue time. */
export interface SliObserver {
  observe(outcome: JobOutcome): Promise<ObserveResult>;
}

/** Builds the observer; the Redis store decides "first time", so replicas and restarts never double count. */
export function createSliObserver(deps: {
  store: SliSummaryStore;
  metrics: SliMetrics;
  burnRates: BurnRateTracker;
  entries: readonly JobQueuingDuration[];
  targets: readonly ClassTarget[];
  log: Logger;
}): SliObserver {
  const targetByClass = new Map(deps.targets.map((t) => [t.jobClass, t]));
  return {
    async observe(outcome) {
      // Queue time is final once the job started; a "finished" without a seen "started" still counts once.
      const jobClass = outcome.jobClass ?? UNCLASSIFIED;
      // gitlab-runner evaluates the period when the job is received; the outcome's time stands for it.
      const verdict = evaluateQueuingDuration(deps.entries, {
        queueSeconds: outcome.queueSeconds,
        projectJobsRunning: outcome.projectJobsRunning ?? "",
      }, outcome.at);
      const target = targetByClass.get(jobClass);
      const overTarget = target !== undefined && outcome.queueSeconds > target.thresholdSeconds;
      const isNew = await deps.store.recordOnce({
        jobId: outcome.jobId, pool: outcome.pool, jobClass, queueSeconds: outcome.queueSeconds,
        exceeded: verdict.exceeded, overTarget, atMs: outcome.at,
      });
      if (!isNew) return { counted: false };
      const labels = { pool: outcome.pool, job_class: jobClass };
      deps.metrics.queueDuration.observe(labels, outcome.queueSeconds);
      if (verdict.exceeded) deps.metrics.exceeded.inc(labels);
      if (target) deps.burnRates.record(jobClass, outcome.at, overTarget);
      if (verdict.exceeded) {
        deps.log.info({ jobId: outcome.jobId, pool: outcome.pool, jobClass, queueSeconds: outcome.queueSeconds, entry: verdict.entry }, "acceptable queuing duration exceeded");
      }
      return { counted: true, verdict, overTarget };
    },
  };
}
