import type { LlmTieBreak } from "@switchyard/contracts";
import { approverLabel } from "./approval.js";
import type { RuleChoice } from "./rule-choice.js";
import { llmPick } from "./tie-break.js";
import type { JobApproval, Placement } from "./types.js";

/** Whether the tier's decisions are enforced: advisory ones are published while FIFO places the job. */
export function isEnforced(tier: string): boolean {
  return tier !== "advisory";
}

/**
 * The trust tier applied to a scored choice: enforced tiers (supervised once approved,
 * autonomous) take Switchyard's runner (the LLM's pick when it stands, else the top candidate);
 * advisory gives the job to the FIFO runner and says what Switchyard would have done.
 */
export function applyTier(input: {
  tier: string; choice: RuleChoice & { runnerId: string }; fifoRunnerId: string; llm: LlmTieBreak | undefined; approval: JobApproval | undefined;
}): { runnerId: string; placement: Placement } {
  const { choice, fifoRunnerId, llm } = input;
  const picked = llmPick(llm, choice);
  const enforced = isEnforced(input.tier);
  const approval = input.approval ? ` (approved by ${approverLabel(input.approval)})` : "";
  const rationale = !enforced
    ? `advisory: FIFO gave it to ${fifoRunnerId}; Switchyard would pick ${choice.rationale}`
    : picked && picked !== choice.runnerId
      ? `LLM tie-break chose ${picked} over ${choice.runnerId}: ${llm?.reason ?? ""}; ${choice.rationale}${approval}`
      : `${choice.rationale}${approval}`;
  return {
    runnerId: enforced ? (picked ?? choice.runnerId) : fifoRunnerId,
    placement: {
      mode: picked ? "llm" : "rule", enforced, fifoRunnerId, rationale, reasons: choice.reasons,
      candidates: choice.candidates, margin: choice.margin, fallbackReason: null,
    },
  };
}
