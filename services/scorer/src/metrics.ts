import { initialiseSeries } from "@switchyard/runtime";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The scorer's own metrics, registered on the agent's registry. */
export interface ScorerMetrics {
  readonly latency: Histogram<"pool">;
  readonly jobsScored: Counter<"pool">;
  readonly cachedRunners: Gauge;
  readonly unknownRunners: Counter;
}

/** Registers the scorer metrics, the known pools' series at 0; call once per registry. */
export function createScorerMetrics(registry: Registry, known: { pools: readonly string[] }): ScorerMetrics {
  const metrics = {
    latency: new Histogram({
      name: "switchyard_scorer_latency_seconds",
      help: "Time to build runner views and score one job",
      labelNames: ["pool"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
    jobsScored: new Counter({ name: "switchyard_scorer_jobs_scored_total", help: "Jobs scored", labelNames: ["pool"] as const, registers: [registry] }),
    cachedRunners: new Gauge({ name: "switchyard_scorer_cached_runners", help: "Runner states in the local cache", registers: [registry] }),
    unknownRunners: new Counter({
      name: "switchyard_scorer_unknown_runners_total",
      help: "Open runners scored with a neutral view because the monitor has not reported them",
      registers: [registry],
    }),
  };
  initialiseSeries(metrics.latency, { pool: known.pools });
  initialiseSeries(metrics.jobsScored, { pool: known.pools });
  return metrics;
}
