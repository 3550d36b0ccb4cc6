import { Counter, Histogram, type Registry } from "prom-client";

/** The tie-breaker's metrics; registered once per registry (a second tie-breaker reuses them). */
export function createLlmMetrics(registry: Registry) {
  const registers = [registry];
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    tieBreaks: existing<Counter<"outcome">>("switchyard_llm_tiebreaks_total") ?? new Counter({
      name: "switchyard_llm_tiebreaks_total", help: "LLM tie-break questions by outcome (accepted, refused, error, timeout, skipped_*)",
      labelNames: ["outcome"] as const, registers,
    }),
    tokens: existing<Counter<"direction">>("switchyard_llm_tokens_total") ?? new Counter({
      name: "switchyard_llm_tokens_total", help: "Tokens reported by the Messages API", labelNames: ["direction"] as const, registers,
    }),
    spendUsd: existing<Counter>("switchyard_llm_spend_usd_total") ?? new Counter({
      name: "switchyard_llm_spend_usd_total", help: "Estimated LLM spend from reported usage × configured prices", registers,
    }),
    latency: existing<Histogram>("switchyard_llm_tiebreak_seconds") ?? new Histogram({
      name: "switchyard_llm_tiebreak_seconds", help: "Time from question to answer (or abort)",
      buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5], registers,
    }),
  };
}
export type LlmMetrics = ReturnType<typeof createLlmMetrics>;
