import type { Candidate } from "@switchyard/contracts";

/** The k largest weighted contributions as short strings, e.g. "freeCapacity 92×1.0". */
export function explain(candidate: Pick<Candidate, "contributions">, k = 3): string[] {
  return [...candidate.contributions]
    .sort((a, b) => b.score * b.weight - a.score * a.weight || (a.plugin < b.plugin ? -1 : 1))
    .slice(0, Math.max(0, k))
    .map((c) => `${c.plugin} ${Math.round(c.score)}×${c.weight.toFixed(1)}`);
}
