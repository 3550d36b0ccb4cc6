import { initialiseSeries } from "@switchyard/runtime";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The runner states `switchyard_monitor_runners{state}` counts. */
export const RUNNER_GAUGE_STATES = ["healthy", "unhealthy", "draining", "paused", "expired"] as const;

/** The monitor's own Prometheus metrics, registered on the agent's registry. */
export interface MonitorMetrics {
  readonly runners: Gauge<"state">;
  readonly scrapeErrors: Counter<"runner" | "target">;
  readonly gitlabErrors: Counter<"operation">;
  readonly gitlabRetries: Counter<"status">;
  readonly statesPublished: Counter;
  readonly events: Counter<"kind">;
  readonly pollDuration: Histogram;
  readonly leader: Gauge;
}

/** Registers the monitor metrics once per process, every runner state counted 0 until the first poll. */
export function createMonitorMetrics(registry: Registry): MonitorMetrics {
  const registers = [registry];
  const metrics = {
    runners: new Gauge({ name: "switchyard_monitor_runners", help: "Fleet runners by state (healthy, unhealthy, draining, paused, expired)", labelNames: ["state"] as const, registers }),
    scrapeErrors: new Counter({ name: "switchyard_monitor_scrape_errors_total", help: "Failed /metrics scrapes", labelNames: ["runner", "target"] as const, registers }),
    gitlabErrors: new Counter({ name: "switchyard_monitor_gitlab_api_errors_total", help: "GitLab REST calls that failed after retries", labelNames: ["operation"] as const, registers }),
    gitlabRetries: new Counter({ name: "switchyard_monitor_gitlab_api_retries_total", help: "GitLab REST calls retried (429, 5xx, network)", labelNames: ["status"] as const, registers }),
    statesPublished: new Counter({ name: "switchyard_monitor_states_published_total", help: "Runner states published because they changed", registers }),
    events: new Counter({ name: "switchyard_monitor_events_total", help: "Fleet events published", labelNames: ["kind"] as const, registers }),
    leader: new Gauge({ name: "switchyard_monitor_leader", help: "1 while this replica holds the monitor lease (polls GitLab, runs the FIFO watchdog)", registers }),
    pollDuration: new Histogram({ name: "switchyard_monitor_poll_duration_seconds", help: "Time to read the whole fleet once", buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
  };
  initialiseSeries(metrics.runners, { state: RUNNER_GAUGE_STATES });
  return metrics;
}
