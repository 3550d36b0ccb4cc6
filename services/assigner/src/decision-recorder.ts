import { randomUUID } from "node:crypto";
import { contracts, type Decision, type TrustTier } from "@switchyard/contracts";
import type { BackgroundFailure, Bus, Logger } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import type { Counter, Histogram } from "prom-client";
import type { Placement } from "@switchyard/decision";
import type { HeldJobMeta } from "./queue/held-jobs.js";

/** Builds decision records and publishes them (NATS subject, metrics, the dashboard's recent list). */
export interface DecisionRecorder {
  build(job: HeldJobMeta, runnerId: string, started: number, placement: Placement): Decision;
  publish(decision: Decision, latencyMs: number): void;
}

export interface DecisionRecorderDeps {
  bus: Bus;
  redis: Redis;
  recentKey: string;
  log: Logger;
  decisions: Counter<"pool" | "mode" | "tier">;
  decisionSeconds: Histogram<"mode">;
  now?: () => number;
  /** Catch handler for writes nobody waits for (counted, logged once); silent when absent. */
  background?: BackgroundFailure;
}

const RECENT = 200;

export function createDecisionRecorder(deps: DecisionRecorderDeps): DecisionRecorder {
  const now = deps.now ?? Date.now;
  return {
    build(job, runnerId, started, placement) {
      return {
        v: 1,
        decisionId: randomUUID(),
        jobId: job.jobId,
        pool: job.pool,
        jobClass: job.jobClass,
        tier: job.tier as TrustTier,
        runnerId,
        ...placement,
        llm: job.llm ?? null,
        approval: job.approval ? { ...job.approval, claimedBy: job.approval.claimedBy ?? null } : null,
        latencyMs: now() - started,
        queuedAt: job.arrivedAt,
        decidedAt: now(),
      };
    },
    publish(decision, latencyMs) {
      decision.latencyMs = latencyMs;
      decision.decidedAt = now();
      deps.decisions.inc({ pool: decision.pool, mode: decision.mode, tier: decision.tier });
      deps.decisionSeconds.observe({ mode: decision.mode }, latencyMs / 1000);
      try {
        // Built by build() above from typed values; its readers validate it.
        deps.bus.publish(contracts.decision, deps.bus.subjects.decision(decision.pool), decision, { built: true });
      } catch (err) {
        deps.log.warn({ err: (err as Error).message }, "decision publish failed");
      }
      // The dashboard reads the latest decisions from Redis even when NATS is away.
      deps.redis.multi().lpush(deps.recentKey, JSON.stringify(decision)).ltrim(deps.recentKey, 0, RECENT - 1).exec()
        .catch(deps.background?.("recent decisions") ?? (() => undefined));
    },
  };
}

/** The record of a job Switchyard decided to hand to no runner (it fails it upstream instead). */
export function refusalDecision(job: HeldJobMeta, reason: string, rationale: string, at: number): Decision {
  return {
    v: 1, decisionId: randomUUID(), jobId: job.jobId, pool: job.pool, jobClass: job.jobClass, tier: job.tier as TrustTier,
    runnerId: null, mode: "rule", enforced: true, fifoRunnerId: null, rationale: rationale.slice(0, 2000), reasons: [reason],
    candidates: [], margin: null, fallbackReason: null, llm: job.llm ?? null, approval: null, latencyMs: 0, queuedAt: job.arrivedAt, decidedAt: at,
  };
}
