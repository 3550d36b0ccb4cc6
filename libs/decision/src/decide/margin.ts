import type { Candidate } from "@switchyard/contracts";

/** (top − second) / top of candidates sorted best first; null with fewer than two or a top of 0. */
export function topTwoMargin(candidates: readonly Pick<Candidate, "total">[]): number | null {
  const [top, second] = candidates;
  if (top === undefined || second === undefined || !(top.total > 0)) return null;
  return (top.total - second.total) / top.total;
}

/** True when the top two are close enough (margin ≤ marginRatio) that a tie-breaker may choose. */
export function withinMargin(candidates: readonly Pick<Candidate, "total">[], marginRatio: number): boolean {
  const margin = topTwoMargin(candidates);
  return margin !== null && margin <= marginRatio;
}
