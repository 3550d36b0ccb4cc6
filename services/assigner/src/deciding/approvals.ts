import { contracts, type ApprovalAnswer, type ApprovalRequest, type ApprovalResult } from "@switchyard/contracts";
import type { BackgroundFailure, Bus, Logger, Msg, RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/**
 * A human's verdict, or the timeout that stands in for one (the safe default applies). `by` is the
 * principal whose subject the answer came on (the NATS server lets only that user publish there);
 * `claimedBy` is the name the human typed, kept for the record but never trusted.
 */
export type ApprovalVerdict =
  | { state: "approved" | "rejected"; by: string; claimedBy: string | null; at: number }
  | { state: "timed-out"; by: null; claimedBy: null; at: number };

/**
 * Publishes an approval request for a supervised decision and waits for an answer on
 * `approval.answer.<principal>` (CLI, dashboard, a human's own NATS user). First answer wins;
 * silence until the window closes means "timed-out". Nothing else waits on this.
 */
export interface Approvals {
  ask(request: ApprovalRequest, windowMs: number): Promise<ApprovalVerdict>;
  stop(): void;
}

export interface ApprovalsDeps {
  bus: Bus;
  log: Logger;
  redis: Redis;
  keys: Pick<RedisKeys, "pendingApprovals" | "settledApproval">;
  now?: () => number;
  /** How long a settled decision is remembered, to tell a late answer it expired. */
  settledTtlMs?: number;
  /** Catch handler for writes nobody waits for (counted, logged once); silent when absent. */
  background?: BackgroundFailure;
}

type Settled = { state: ApprovalVerdict["state"]; by: string | null; at: number };

/**
 * Pending requests are kept in a Redis HASH (the dashboard shows them with buttons; every assigner
 * replica sees them) and each settled one under a key with a TTL, so whichever replica hears an
 * answer it does not hold can say "expired" or "unknown"; the replica holding it says "accepted".
 */
export function createApprovals(deps: ApprovalsDeps): Approvals {
  const { bus, log, redis, keys } = deps;
  const now = deps.now ?? Date.now;
  const settledTtlMs = deps.settledTtlMs ?? 24 * 3600_000;
  const failed = deps.background ?? (() => () => undefined);
  const waiting = new Map<string, (v: ApprovalVerdict) => void>();

  const reply = (msg: Msg, answer: ApprovalAnswer, result: ApprovalResult["result"], message: string, by: string | null) => {
    if (!msg.reply) return;
    try {
      bus.respond(msg, contracts.approvalResult, { v: 1, decisionId: answer.decisionId, result, message, by, at: now() });
    } catch (err) {
      log.warn({ err: (err as Error).message, decisionId: answer.decisionId }, "approval result not sent");
    }
  };

  const sub = bus.subscribe(contracts.approvalAnswer, bus.subjects.approvalAnswerAll, async (answer, msg) => {
    const principal = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
    const settle = waiting.get(answer.decisionId);
    if (settle) {
      const state = answer.approved ? "approved" : "rejected";
      settle({ state, by: principal, claimedBy: answer.by, at: now() });
      log.info({ decisionId: answer.decisionId, state, by: principal, claimedBy: answer.by }, "approval answered");
      return reply(msg, answer, "accepted", `${state} ${answer.decisionId} as ${principal}`, principal);
    }
    // Read both at once: the replica settling it writes the settled key before it clears the pending entry.
    const [pending, settled] = ((await redis.multi().hexists(keys.pendingApprovals, answer.decisionId).get(keys.settledApproval(answer.decisionId)).exec()) ?? [])
      .map(([err, value]) => (err ? null : value));
    if (typeof settled === "string") {
      const was = JSON.parse(settled) as Settled;
      const when = new Date(was.at).toISOString();
      log.info({ decisionId: answer.decisionId, by: principal, was: was.state }, "approval answer after the decision settled");
      return was.state === "timed-out"
        ? reply(msg, answer, "expired", `decision ${answer.decisionId} expired at ${when}: no answer within the window, the safe default (FIFO) applied`, null)
        : reply(msg, answer, "already-answered", `decision ${answer.decisionId} was already ${was.state} by ${was.by} at ${when}`, was.by);
    }
    if (pending === 1) return; // another assigner replica holds this request and answers
    reply(msg, answer, "unknown", `no supervised decision ${answer.decisionId} is awaiting approval`, null);
  });

  return {
    ask(request, windowMs) {
      return new Promise<ApprovalVerdict>((resolve) => {
        const settle = (v: ApprovalVerdict) => {
          if (!waiting.has(request.decisionId)) return;
          waiting.delete(request.decisionId);
          clearTimeout(timer);
          const record: Settled = { state: v.state, by: v.by, at: v.at };
          void redis.multi()
            .set(keys.settledApproval(request.decisionId), JSON.stringify(record), "PX", settledTtlMs)
            .hdel(keys.pendingApprovals, request.decisionId)
            .exec().catch(failed("settled approval"));
          resolve(v);
        };
        redis.hset(keys.pendingApprovals, request.decisionId, JSON.stringify(request)).catch(failed("pending approval"));
        const timer = setTimeout(() => settle({ state: "timed-out", by: null, claimedBy: null, at: now() }), windowMs);
        waiting.set(request.decisionId, settle);
        try {
          bus.publish(contracts.approvalRequest, bus.subjects.approvalRequest(request.jobClass), request);
        } catch (err) {
          // NATS down: the dashboard still shows it from Redis, and the timer applies the safe default.
          log.warn({ err: (err as Error).message, decisionId: request.decisionId }, "approval request not published");
        }
      });
    },
    stop() {
      sub.unsubscribe();
      for (const settle of [...waiting.values()]) settle({ state: "timed-out", by: null, claimedBy: null, at: now() });
    },
  };
}
