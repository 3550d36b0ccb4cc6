import type { Candidate, JobScored } from "@switchyard/contracts";
import { explain, topTwoMargin, withinMargin } from "@switchyard/decision";

/** The rule path's answer: the top candidate, how close the runner-up is, and why. */
export interface RuleChoice {
  runnerId: string | null;
  runnerUp: string | null;
  margin: number | null;
  withinMargin: boolean;
  rationale: string;
  reasons: string[];
  candidates: Candidate[];
}

/** Top candidate wins; `withinMargin` says whether the runner-up is close enough to ask the tie-breaker. */
export function ruleChoice(scored: JobScored, marginRatio: number): RuleChoice {
  const [top, second] = scored.candidates;
  const candidates = scored.candidates.slice(0, 8);
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
    withinMargin: withinMargin(scored.candidates, marginRatio),
    rationale: `${top.runnerId} scored ${top.total.toFixed(1)}${ahead} (${reasons.join(", ")})`,
    reasons,
    candidates,
  };
}
