import type { LlmTieBreak } from "@switchyard/contracts";
import { toJobQueued } from "./job-queued.js";
import type { RuleChoice } from "./rule-choice.js";
import type { PlacementJob, PlacementStep } from "./types.js";

/**
 * The LLM tie-break rule: when the top two are within the margin and the job has no answer yet,
 * ask the LLM between those two only, or, with the tie-break off, record why it was not asked.
 * `null`: nothing to ask or record (not close, or already answered).
 */
export function tieBreak(
  job: PlacementJob, choice: RuleChoice, available: readonly string[], off: string | null,
): Extract<PlacementStep, { kind: "ask-llm" }> | { kind: "skipped"; llm: LlmTieBreak } | null {
  const [first, second] = choice.candidates;
  if (!choice.withinMargin || !first || !second || job.llm) return null;
  if (off === null) return { kind: "ask-llm", question: toJobQueued(job, available), first, second, ruleChoice: first.runnerId };
  return { kind: "skipped", llm: { asked: false, skippedReason: off, model: null, choice: null, accepted: false, reason: null, latencyMs: null, auditId: null } };
}

/** The LLM's pick, if it accepted one that is still among the candidates now; else null (the rule choice stands). */
export function llmPick(llm: LlmTieBreak | undefined, choice: Pick<RuleChoice, "candidates">): string | null {
  if (!llm?.accepted || !llm.choice) return null;
  return choice.candidates.some((c) => c.runnerId === llm.choice) ? llm.choice : null;
}
