import { Counter, Registry, collectDefaultMetrics } from "prom-client";

/** A per-process Prometheus registry with process metrics and the contract-violation counter. */
export interface Metrics {
  readonly registry: Registry;
  readonly invalidMessages: Counter<"contract" | "agent">;
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
  return { registry, invalidMessages };
}
