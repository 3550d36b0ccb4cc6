import { contracts, type ApprovalRequest } from "@switchyard/contracts";
import type { Bus, Logger } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/** A human's verdict, or the timeout that stands in for one (the safe default applies). */
export type ApprovalVerdict =
  | { state: "approved" | "rejected"; by: string; at: number }
  | { state: "timed-out"; by: null; at: number };

/**
 * Asks a human to approve a supervised decision over NATS request-reply; answers may
 * also arrive on the reply subject (CLI, dashboard). First answer wins; silence until the
 * window closes means "timed-out". Nothing else waits on this.
 */
export interface Approvals {
  ask(request: ApprovalRequest, windowMs: number): Promise<ApprovalVerdict>;
  stop(): void;
}

/** Pending requests are also kept in a Redis HASH so the dashboard can show them with buttons. */
export function createApprovals(bus: Bus, log: Logger, redis: Redis, pendingKey: string, now: () => number = Date.now): Approvals {
  const waiting = new Map<string, (v: ApprovalVerdict) => void>();
  const sub = bus.subscribe(contracts.approvalReply, bus.subjects.approvalReply, (reply) => {
    const settle = waiting.get(reply.decisionId);
    if (settle) settle({ state: reply.approved ? "approved" : "rejected", by: reply.by, at: reply.at });
    else log.info({ decisionId: reply.decisionId }, "approval arrived after its window; the safe default already applied");
  });
  return {
    ask(request, windowMs) {
      return new Promise<ApprovalVerdict>((resolve) => {
        const settle = (v: ApprovalVerdict) => {
          if (!waiting.has(request.decisionId)) return;
          waiting.delete(request.decisionId);
          clearTimeout(timer);
          void redis.hdel(pendingKey, request.decisionId).catch(() => undefined);
          resolve(v);
        };
        void redis.hset(pendingKey, request.decisionId, JSON.stringify(request)).catch(() => undefined);
        const timer = setTimeout(() => settle({ state: "timed-out", by: null, at: now() }), windowMs);
        waiting.set(request.decisionId, settle);
        bus.request(contracts.approvalRequest, bus.subjects.approvalRequest(request.jobClass), request, contracts.approvalReply, windowMs)
          .then((reply) => settle({ state: reply.approved ? "approved" : "rejected", by: reply.by, at: reply.at }))
          .catch(() => undefined); // no responder or no answer: the reply subject or the timer decides
      });
    },
    stop() {
      sub.unsubscribe();
      for (const settle of [...waiting.values()]) settle({ state: "timed-out", by: null, at: now() });
    },
  };
}
