import type { Decision } from "@switchyard/contracts";

/** One readable line per decision, for terminals. */
export function formatDecision(d: Decision): string {
  const time = new Date(d.decidedAt).toISOString().slice(11, 23);
  const where = d.runnerId ?? "(none)";
  const margin = d.margin === null ? "" : ` margin ${(d.margin * 100).toFixed(0)}%`;
  const enforced = d.enforced ? "" : " [not enforced]";
  return `${time} job ${d.jobId} ${d.jobClass} (${d.pool}) → ${where} via ${d.mode}${margin}${enforced} in ${d.latencyMs.toFixed(1)} ms: ${d.rationale}`;
}
