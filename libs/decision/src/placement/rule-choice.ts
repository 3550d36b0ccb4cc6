import { DECISION_CANDIDATES, type Candidate, type JobScored } from "@switchyard/contracts";

/** The rule path's answer: the top candidate, how close the runner-up is, and why. */
export interface RuleChoice {
  runnerId: string | null;
  runnerUp: string | null;
  margin: number | null;
  withinMargin: boolean;
  rationale: string;
  reasons: string[];
  /** The best candidates (at most DECISION_CANDIDATES, what a decision record carries). */
  candidates: Candidate[];
}

/** (top − second) / top of candidates sorted best first; null with fewer than two or a top of 0. */
export function topTwoMargin(candidates: readonly Pick<Candidate, "total">[]): number | null {
  const [top, second] = candidates;
  if (top === undefined || second === undefined || !(top.total > 0)) return null;
  return (top.total - second.total) / top.total;
}

/** The k largest weighted contributions as short strings, e.g. "freeCapacity 92×1.0". */
export function explain(candidate: Pick<Candidate, "contributions">, k = 3): string[] {
  return [...candidate.contributions]
    .sort((a, b) => b.score * b.weight - a.score * a.weight || (a.plugin < b.plugin ? -1 : 1))
    .slice(0, Math.max(0, k))
    .map((c) => `${c.plugin} ${Math.round(c.score)}×${c.weight.toFixed(1)}`);
}

/** Top candidate wins; `withinMargin` says whether the runner-up is close enough (margin ≤ marginRatio) to ask a tie-breaker. */
export function ruleChoice(scored: Pick<JobScored, "candidates" | "rejected">, marginRatio: number): RuleChoice {
  const [top, second] = scored.candidates;
  const candidates = scored.candidates.slice(0, DECISION_CANDIDATES);
  if (!top) {
    const why = scored.rejected.slice(0, 3).map((r) => `${r.runnerId}: ${r.filter}`).join(", ");
    return {
      runnerId: null, runnerUp: null, margin: null, withinMargin: false, candidates,
      rationale: `no open runner passed the filters${why ? ` (${why})` : ""}`, reasons: [],
    };
  }
  const margin = topTwoMargin(scored.candidates);
  const reasons = explain(top);
  const ahead = second ? `, ${margin === null ? "tied" : `${Math.round(margin * 100)}% ahead of ${second.runnerId}`}` : ", only candidate";
  return {
    runnerId: top.runnerId,
    runnerUp: second?.runnerId ?? null,
    margin,
    withinMargin: margin !== null && margin <= marginRatio,
    rationale: `${top.runnerId} scored ${top.total.toFixed(1)}${ahead} (${reasons.join(", ")})`,
    reasons,
    candidates,
  };
}
