import { SHARED_RECORD_NAMES } from "@switchyard/contracts";
import { Counter, Registry, collectDefaultMetrics } from "prom-client";

/** A per-process Prometheus registry with process metrics and the contract-violation counter. */
export interface Metrics {
  readonly registry: Registry;
  readonly invalidMessages: Counter<"contract" | "agent">;
  /** Shared Redis records that failed their libs/contracts schema and were read as absent (record-reader.ts). */
  readonly unreadableRecords: Counter<"record" | "agent">;
}

/**
 * Builds the registry an agent exposes on /metrics; one per process, passed down. The default
 * process metrics keep their standard names (`process_cpu_seconds_total`, `nodejs_*`) so stock
 * Node.js dashboards match; the `agent` label on every series tells the agents apart.
 */
export function createMetrics(agent: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ agent });
  collectDefaultMetrics({ register: registry });
  const invalidMessages = new Counter({
    name: "switchyard_invalid_messages_total",
    help: "Messages that failed their contract and went to the dead-letter subject",
    labelNames: ["contract", "agent"] as const,
    registers: [registry],
  });
  const unreadableRecords = new Counter({
    name: "switchyard_unreadable_records_total",
    help: "Shared Redis records that failed their libs/contracts schema and were read as absent, by record",
    labelNames: ["record", "agent"] as const,
    registers: [registry],
  });
  // At 0 from the start: an alert's increase() sees the first failure, and dashboards find the series.
  for (const record of SHARED_RECORD_NAMES) unreadableRecords.inc({ record }, 0);
  return { registry, invalidMessages, unreadableRecords };
}
