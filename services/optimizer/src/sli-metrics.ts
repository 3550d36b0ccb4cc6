import { SLI_BUCKETS } from "@switchyard/contracts";
import { initialiseSeries } from "@switchyard/runtime";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { BurnRateTracker } from "./burn-rate.js";
import type { ClassTarget } from "./config.js";

/** gitlab-runner's `job_queue_duration_seconds` buckets: the one list in libs/contracts, also the SLI summary's fields. */
export const QUEUE_DURATION_BUCKETS = SLI_BUCKETS;

/** Burn-rate windows, as in multi-window SLO alerting. */
export const BURN_RATE_WINDOWS = { "5m": 5 * 60_000, "1h": 3600_000 } as const;

/** The optimizer's SLI instruments, registered on the agent's registry. */
export interface SliMetrics {
  readonly queueDuration: Histogram<"pool" | "job_class">;
  readonly exceeded: Counter<"pool" | "job_class">;
}

/**
 * Registers the histogram, the exceeded counter and burn-rate gauges computed at scrape time; the
 * known pools × job classes start at 0, so `increase()` counts the first job over its threshold.
 */
export function createSliMetrics(deps: {
  registry: Registry;
  burnRates: BurnRateTracker;
  targets: readonly ClassTarget[];
  known: { pools: readonly string[]; jobClasses: readonly string[] };
  now?: () => number;
}): SliMetrics {
  const now = deps.now ?? Date.now;
  const queueDuration = new Histogram({
    name: "switchyard_job_queue_duration_seconds",
    help: "Time jobs waited before starting (GitLab queue plus Switchyard hold), per pool and job class",
    labelNames: ["pool", "job_class"] as const,
    buckets: [...QUEUE_DURATION_BUCKETS],
    registers: [deps.registry],
  });
  const exceeded = new Counter({
    name: "switchyard_acceptable_job_queuing_duration_exceeded_total",
    help: "Jobs whose queue time exceeded the active job_queuing_durations threshold (gitlab-runner semantics)",
    labelNames: ["pool", "job_class"] as const,
    registers: [deps.registry],
  });
  const known = { pool: deps.known.pools, job_class: deps.known.jobClasses };
  initialiseSeries(queueDuration, known);
  initialiseSeries(exceeded, known);
  new Gauge({
    name: "switchyard_sli_burn_rate",
    help: "Fraction of jobs over their class queue-time target divided by the error budget (1 = burning exactly on budget)",
    labelNames: ["job_class", "window"] as const,
    registers: [deps.registry],
    collect() {
      this.reset();
      const at = now();
      for (const target of deps.targets) {
        for (const [window, ms] of Object.entries(BURN_RATE_WINDOWS)) {
          this.set({ job_class: target.jobClass, window }, deps.burnRates.burnRate(target.jobClass, ms, target.objective, at));
        }
      }
    },
  });
  return { queueDuration, exceeded };
}
