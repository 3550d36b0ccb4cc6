import type { JoinedRecord } from "./joined-record.js";

/** How the LLM tie-break did: calls, disagreement with the rule choice, and whether it paid off. */
export interface LlmReport {
  /** Tie-break calls made in the last 24 h (each asked decision is one call). */
  callsPerDay: number;
  /** TODO(cost): DecisionV1.llm carries no token counts; add them to LlmTieBreakV1 to report cost per day. */
  costPerDay: null;
  /** Joined decisions where the LLM was asked. */
  asked: number;
  /** Its choice differed from the top rule candidate. */
  disagreed: number;
  /** Disagreed and its choice ran the job. */
  followed: number;
  /** Of those, finished faster than the rule choice's recent median for the class. */
  faster: number;
  slower: number;
  /** Followed but the rule choice had no recent runs of the class to compare with. */
  unknown: number;
}

/** Builds the LLM report from joined records and the call timestamps seen on decisions. */
export function llmReport(records: readonly JoinedRecord[], callTimes: readonly number[], now: number): LlmReport {
  const asked = records.filter((r) => r.llm?.asked);
  const disagreed = asked.filter((r) => r.llm!.choice !== null && r.llm!.choice !== r.llm!.ruleChoice);
  const followed = disagreed.filter((r) => r.ranOn === r.llm!.choice);
  return {
    callsPerDay: callTimes.filter((t) => now - t <= 24 * 3600_000).length,
    costPerDay: null,
    asked: asked.length,
    disagreed: disagreed.length,
    followed: followed.length,
    faster: followed.filter((r) => r.llm!.fasterThanRule === true).length,
    slower: followed.filter((r) => r.llm!.fasterThanRule === false).length,
    unknown: followed.filter((r) => r.llm!.fasterThanRule === null).length,
  };
}
