import { DASHBOARD_PRINCIPAL, contracts, type ApprovalResult } from "@switchyard/contracts";
import type { Bus, Logger } from "@switchyard/runtime";

/** What became of a human's answer: the assigner's verdict on it, or that no assigner answered. */
export interface AnswerResult {
  readonly result: ApprovalResult["result"] | "no-assigner";
  readonly message: string;
}

/** Sends approval answers from the dashboard and remembers which were accepted. */
export interface ApprovalReplier {
  answer(decisionId: string, approved: boolean, by: string): Promise<AnswerResult>;
  /** decisionId → approved, for accepted answers whose request the assigner has not cleared yet. */
  sent(): ReadonlyMap<string, boolean>;
}

/**
 * Asks the assigner over request-reply on `approval.answer.dashboard`, the one approval subject the
 * monitor's NATS user may publish on: the assigner records "dashboard" as who answered, and the
 * signed-in name only as the name given.
 */
export function createApprovalReplier(deps: { bus: Bus; log: Logger; now: () => number; rememberMs?: number; timeoutMs?: number }): ApprovalReplier {
  const remembered = new Map<string, { approved: boolean; until: number }>();
  const rememberMs = deps.rememberMs ?? 5 * 60_000;
  return {
    async answer(decisionId, approved, by) {
      let reply: ApprovalResult;
      try {
        reply = await deps.bus.request(contracts.approvalAnswer, deps.bus.subjects.approvalAnswer(DASHBOARD_PRINCIPAL),
          { v: 1, decisionId, approved, by, at: deps.now() }, contracts.approvalResult, deps.timeoutMs ?? 5_000);
      } catch (err) {
        deps.log.warn({ decisionId, err: (err as Error).message }, "approval answer got no reply from an assigner");
        return { result: "no-assigner", message: `no assigner answered for decision ${decisionId}; try again` };
      }
      if (reply.result === "accepted") remembered.set(decisionId, { approved, until: deps.now() + rememberMs });
      deps.log.info({ decisionId, approved, by, result: reply.result }, "approval answered from the dashboard");
      return { result: reply.result, message: reply.message };
    },
    sent() {
      const at = deps.now();
      const out = new Map<string, boolean>();
      for (const [id, entry] of remembered) {
        if (entry.until < at) remembered.delete(id);
        else out.set(id, entry.approved);
      }
      return out;
    },
  };
}
