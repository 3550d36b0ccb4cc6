import { initialiseSeries } from "@switchyard/runtime";
import { Counter, Histogram, type Registry } from "prom-client";

/** How a tie-break ended: asked (accepted, refused, timeout, error) or not asked (disabled, skipped_*). */
export const TIE_BREAK_OUTCOMES = ["accepted", "refused", "timeout", "error", "disabled", "skipped_invalid", "skipped_rate", "skipped_spend"] as const;
export type TieBreakOutcome = (typeof TIE_BREAK_OUTCOMES)[number];

/**
 * The tie-breaker's metrics, every outcome and token direction at 0 from the start; registered
 * once per registry (a second tie-breaker reuses them).
 */
export function createLlmMetrics(registry: Registry) {
  const registers = [registry];
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  const metrics = {
    tieBreaks: existing<Counter<"outcome">>("switchyard_llm_tiebreaks_total") ?? new Counter({
      name: "switchyard_llm_tiebreaks_total", help: "LLM tie-break questions by outcome (accepted, refused, timeout, error, disabled, skipped_*)",
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
  initialiseSeries(metrics.tieBreaks, { outcome: TIE_BREAK_OUTCOMES });
  initialiseSeries(metrics.tokens, { direction: ["input", "output"] });
  return metrics;
}
export type LlmMetrics = ReturnType<typeof createLlmMetrics>;
