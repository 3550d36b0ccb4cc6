import { needsApproval } from "./approval.js";
import { deployOrder } from "./deploy-order.js";
import { fifoPlacement } from "./fifo.js";
import { toJobQueued } from "./job-queued.js";
import { ruleChoice } from "./rule-choice.js";
import { tieBreak } from "./tie-break.js";
import { applyTier } from "./tiers.js";
import type { PlacementInput, PlacementStep } from "./types.js";

/**
 * One placement step for one job, as the assigner's dispatcher and the replay bench both run it:
 * deploy order → FIFO (a rule sent it there, or the scorer is unavailable) → the scorer's ranking
 * among the runners still available → the human approval a supervised job needs → the LLM
 * tie-break when the top two are close → the trust tier. The caller answers an `ask-*` step
 * (scorer, human, LLM) and calls again with the answer in the input, so every effect stays with it.
 */
export function placeJob(input: PlacementInput): PlacementStep {
  const { job, available } = input;
  const fifoRunnerId = available[0];
  if (fifoRunnerId === undefined) return { kind: "wait", rationale: "no runner is asking" };
  const order = deployOrder(job, input.oldestDeploy);
  if (order) return order;
  if (job.fifoOnly) return fifoPlacement(fifoRunnerId, { mode: "rule", reason: job.fifoOnly });
  const scores = input.scores;
  // The longest-waiting runners are the candidates: bounds the request and the scoring work
  // when hundreds of runners are idle, without changing who FIFO would serve.
  if (scores.kind === "not-asked") return { kind: "ask-scorer", request: toJobQueued(job, available.slice(0, input.config.maxCandidates)) };
  if (scores.kind === "unavailable") return fifoPlacement(fifoRunnerId, { mode: "fifo-fallback", reason: scores.reason });
  // Scores may be older than this round: only runners no earlier job of the round took count.
  const stillOpen = new Set(available);
  const choice = ruleChoice({ candidates: scores.scored.candidates.filter((c) => stillOpen.has(c.runnerId)), rejected: scores.scored.rejected }, input.config.marginRatio);
  if (choice.runnerId === null) return { kind: "skip", rationale: choice.rationale };
  const chosen = { ...choice, runnerId: choice.runnerId };
  if (needsApproval(job)) return { kind: "ask-human", proposedRunnerId: chosen.runnerId, fifoRunnerId, rationale: chosen.rationale };
  const tie = tieBreak(job, chosen, available, input.tieBreakerOff);
  if (tie?.kind === "ask-llm") return tie;
  const llm = tie?.llm ?? job.llm;
  const { runnerId, placement } = applyTier({ tier: job.tier, choice: chosen, fifoRunnerId, llm, approval: job.approval });
  return { kind: "place", runnerId, placement, ...(tie ? { llm: tie.llm } : {}) };
}
