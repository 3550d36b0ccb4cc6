import { randomUUID } from "node:crypto";
import { contracts, type Decision, type JobQueued, type TrustTier } from "@switchyard/contracts";
import type { Bus, Logger } from "@switchyard/runtime";
import type { Counter, Histogram } from "prom-client";
import type { JobClassifier } from "./deciding/job-classifier.js";
import { ruleChoice } from "./deciding/rule-choice.js";
import type { ScorerClient } from "./deciding/scorer-client.js";
import type { DispatchQueue, HeldJobMeta } from "./queue/dispatch-queue.js";

/** Runs dispatch rounds: which held job goes next, to which asking runner, and records why. */
export interface Dispatcher {
  /** Asks for a round on a pool; rounds for one pool never overlap and requests coalesce. */
  requestRound(pool: string): void;
  /** Resolves when no round is running or requested (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

export interface DispatcherMetrics {
  decisions: Counter<"pool" | "mode" | "tier">;
  decisionSeconds: Histogram<"mode">;
}

export interface DispatcherDeps {
  queue: DispatchQueue;
  classifier: JobClassifier;
  scorer: ScorerClient;
  bus: Bus;
  log: Logger;
  metrics: DispatcherMetrics;
  /** Wakes the long poll of a runner a job was reserved for, wherever it is held. */
  wake: (runnerId: string) => void;
  marginRatio: number;
  reservationTtlMs: number;
  /** A runner counts as asking if it polled within this window. */
  pollFreshMs: number;
  headSize: number;
  now?: () => number;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "dispatcher" });
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let stopped = false;

  function requestRound(pool: string): void {
    if (stopped) return;
    if (running.has(pool)) { again.add(pool); return; }
    const p = (async () => {
      do {
        again.delete(pool);
        try {
          await round(pool);
        } catch (err) {
          log.error({ err: (err as Error).message, pool }, "dispatch round failed");
        }
      } while (again.has(pool) && !stopped);
    })().finally(() => running.delete(pool));
    running.set(pool, p);
  }

  async function round(pool: string): Promise<void> {
    const skipped = new Set<number>();
    for (;;) {
      if (stopped) return;
      const open = await deps.queue.pollingRunners(pool, now() - deps.pollFreshMs);
      if (open.length === 0) return;
      const head = (await deps.queue.head(pool, deps.headSize)).filter((m) => !skipped.has(m.jobId));
      if (head.length === 0) return;
      const job = deps.classifier.pickNext(head, {
        now: now(), runningByProject: await deps.queue.projectLoad(pool), highClassUsedByProject: new Map(),
      });
      if (!job) return;
      const placed = await decideAndReserve(pool, job, open);
      if (!placed) skipped.add(job.jobId);
    }
  }

  async function decideAndReserve(pool: string, job: HeldJobMeta, open: string[]): Promise<boolean> {
    const started = now();
    const fifoRunnerId = open[0] ?? null;
    const request = toJobQueued(job, open);
    const result = await deps.scorer.score(request);
    let decision: Decision;
    if (!result.ok) {
      decision = record(job, started, {
        runnerId: fifoRunnerId, mode: "fifo-fallback", enforced: true, fifoRunnerId,
        rationale: `FIFO: ${fifoRunnerId} asked first; ${result.reason}`, reasons: [], candidates: [], margin: null,
        fallbackReason: result.reason,
      });
    } else {
      const choice = ruleChoice(result.scored, deps.marginRatio);
      if (choice.runnerId === null) {
        log.debug({ jobId: job.jobId, pool, why: choice.rationale }, "no candidate for job this round");
        return false;
      }
      const enforced = (job.tier as TrustTier) === "autonomous";
      decision = record(job, started, {
        runnerId: enforced ? choice.runnerId : fifoRunnerId,
        mode: "rule",
        enforced,
        fifoRunnerId,
        rationale: enforced ? choice.rationale : `advisory: FIFO gave it to ${fifoRunnerId}; Switchyard would pick ${choice.rationale}`,
        reasons: choice.reasons,
        candidates: choice.candidates,
        margin: choice.margin,
        fallbackReason: null,
        llm: choice.withinMargin ? { asked: false, skippedReason: "LLM tie-break not configured", model: null, choice: null, accepted: false, reason: null, latencyMs: null, auditId: null } : null,
      });
    }
    const runnerId = decision.runnerId;
    if (runnerId === null) return false;
    await deps.queue.updateMeta({ ...job, decisionId: decision.decisionId, decisionRationale: decision.rationale, decisionMode: decision.mode });
    const reserved = await deps.queue.reserve(pool, job.jobId, runnerId, now() + deps.reservationTtlMs);
    if (!reserved) return true; // another replica placed it; move on
    await deps.queue.unmarkPolling(pool, runnerId);
    deps.wake(runnerId);
    decision.latencyMs = now() - started;
    deps.metrics.decisions.inc({ pool, mode: decision.mode, tier: decision.tier });
    deps.metrics.decisionSeconds.observe({ mode: decision.mode }, decision.latencyMs / 1000);
    try {
      deps.bus.publish(contracts.decision, deps.bus.subjects.decision(pool), decision);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "decision publish failed");
    }
    return true;
  }

  function record(job: HeldJobMeta, started: number, parts: Omit<Decision, "v" | "decisionId" | "jobId" | "pool" | "jobClass" | "tier" | "latencyMs" | "queuedAt" | "decidedAt" | "llm"> & { llm?: Decision["llm"] }): Decision {
    return {
      v: 1,
      decisionId: randomUUID(),
      jobId: job.jobId,
      pool: job.pool,
      jobClass: job.jobClass,
      tier: job.tier as TrustTier,
      llm: null,
      ...parts,
      latencyMs: now() - started,
      queuedAt: job.arrivedAt,
      decidedAt: now(),
    };
  }

  return {
    requestRound,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
    stop() { stopped = true; },
  };
}

/** The secret-free view of a held job that the scorers see. */
export function toJobQueued(job: HeldJobMeta, open: string[]): JobQueued {
  return {
    v: 1,
    jobId: job.jobId,
    pool: job.pool,
    projectId: job.projectId,
    projectPath: job.projectPath,
    pipelineId: job.pipelineId,
    name: job.name.slice(0, 512),
    stage: job.stage.slice(0, 255),
    ref: job.ref?.slice(0, 512) ?? null,
    protectedRef: job.protectedRef,
    pipelineSource: job.pipelineSource,
    environment: job.environment ? { name: job.environment, tier: job.environmentTier, action: job.environmentAction } : null,
    jobClass: job.jobClass,
    tier: job.tier as TrustTier,
    priority: -job.queueKey,
    arrivedAt: job.arrivedAt,
    gitlabQueueSeconds: job.gitlabQueueSeconds,
    timeoutSeconds: job.timeoutSeconds,
    openRunners: open.map((runnerId) => ({ runnerId, freeSlots: 1 })),
  };
}
