import type { DeadLetter, Subjects } from "@switchyard/contracts";

const MAX_REASON = 4000;
const MAX_PAYLOAD = 65_536;

/** What went wrong with one message, before it is copied to the dead-letter subject. */
export interface DeadLetterInput {
  contract: string;
  subject: string;
  reason: string;
  /** The raw payload as received. */
  payload: string;
}

/** The DeadLetterV1 record for a message, truncated to the contract's limits. */
export function deadLetterRecord(agent: string, input: DeadLetterInput, at = Date.now()): DeadLetter {
  return {
    v: 1, subject: input.subject, contract: input.contract, agent, at,
    reason: input.reason.slice(0, MAX_REASON), payload: input.payload.slice(0, MAX_PAYLOAD),
  };
}

/** The dead-letter subject of a contract (its name made a subject token). */
export function deadLetterSubject(subjects: Subjects, contract: string): string {
  return subjects.deadLetter(contract.replace(/[^A-Za-z0-9_-]/g, "_"));
}

/**
 * Says whether a problem is new, so each distinct problem is logged once and the rest only counted.
 * Past `limit` distinct keys nothing is new any more: a flood of unique reasons cannot flood the log
 * or grow memory.
 */
export function createOnceFilter(limit = 1_000): (key: string) => boolean {
  const seen = new Set<string>();
  return (key) => {
    if (seen.has(key) || seen.size >= limit) return false;
    seen.add(key);
    return true;
  };
}
