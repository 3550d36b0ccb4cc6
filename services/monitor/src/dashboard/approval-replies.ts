import { contracts } from "@switchyard/contracts";
import type { Bus, Logger, RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/** What became of a human's answer. */
export type AnswerResult = "sent" | "not-pending";

/** Publishes approval answers from the dashboard and remembers which it sent. */
export interface ApprovalReplier {
  answer(decisionId: string, approved: boolean, by: string): Promise<AnswerResult>;
  /** decisionId → approved, for answers sent whose request the assigner has not cleared yet. */
  sent(): ReadonlyMap<string, boolean>;
}

/** Sends ApprovalReplyV1 on the reply subject, only for requests still pending in Redis. */
export function createApprovalReplier(deps: { bus: Bus; redis: Redis; keys: RedisKeys; log: Logger; now: () => number; rememberMs?: number }): ApprovalReplier {
  const remembered = new Map<string, { approved: boolean; until: number }>();
  const rememberMs = deps.rememberMs ?? 5 * 60_000;
  return {
    async answer(decisionId, approved, by) {
      if (!(await deps.redis.hexists(deps.keys.pendingApprovals, decisionId))) return "not-pending";
      const at = deps.now();
      deps.bus.publish(contracts.approvalReply, deps.bus.subjects.approvalReply, { v: 1, decisionId, approved, by, at });
      remembered.set(decisionId, { approved, until: at + rememberMs });
      deps.log.info({ decisionId, approved, by }, "approval answered from the dashboard");
      return "sent";
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
