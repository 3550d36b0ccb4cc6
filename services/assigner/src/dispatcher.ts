import type { Candidate, JobQueued, TrustTier } from "@switchyard/contracts";
import type { Logger } from "@switchyard/runtime";
import type { Approvals } from "./deciding/approvals.js";
import type { JobClassifier } from "./deciding/job-classifier.js";
import { ruleChoice } from "./deciding/rule-choice.js";
import type { ScorerClient } from "./deciding/scorer-client.js";
import type { DecisionRecorder, Placement } from "./decision-recorder.js";
import type { DispatchQueue, HeldJobMeta, LlmRecord } from "./queue/dispatch-queue.js";

/** The LLM tie-breaker as the dispatcher uses it: never throws, bounded in time. */
export interface TieBreakerPort {
  readonly enabled: boolean;
  tieBreak(input: { job: JobQueued; first: Candidate; second: Candidate; ruleChoice: string }): Promise<LlmRecord>;
}

/** Runs dispatch rounds: which held job goes next, to which asking runner, and records why. */
export interface Dispatcher {
  /** Asks for a round on a pool; rounds for one pool never overlap and requests coalesce. */
  requestRound(pool: string): void;
  /** Resolves when no round or side question (LLM, approval) is running. */
  idle(): Promise<void>;
  stop(): void;
}

export interface DispatcherDeps {
  queue: DispatchQueue;
  classifier: JobClassifier;
  scorer: ScorerClient;
  tieBreaker: TieBreakerPort;
  approvals: Approvals;
  recorder: DecisionRecorder;
  log: Logger;
  /** Wakes the long poll of a runner a job was reserved for, wherever it is held. */
  wake: (runnerId: string) => void;
  marginRatio: number;
  reservationTtlMs: number;
  approvalWindowMs: number;
  /** A runner counts as asking if it polled within this window. */
  pollFreshMs: number;
  headSize: number;
  now?: () => number;
}

import { NO_API_KEY } from "./deciding/llm/index.js";

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "dispatcher" });
  const rounds = new Map<string, Promise<void>>();
  const again = new Set<string>();
  /** Jobs waiting on a side question (LLM or human); rounds skip them meanwhile. */
  const asking = new Map<number, Promise<void>>();
  let stopped = false;

  function requestRound(pool: string): void {
    if (stopped) return;
    again.add(pool);
    if (rounds.has(pool)) return;
    const p = (async () => {
      while (again.has(pool) && !stopped) {
        again.delete(pool);
        try {
          await round(pool);
        } catch (err) {
          log.error({ err: (err as Error).message, pool }, "dispatch round failed");
        }
      }
      // Same synchronous step as the last check: a request arriving now starts a new round.
      rounds.delete(pool);
    })();
    rounds.set(pool, p);
  }

  async function round(pool: string): Promise<void> {
    const skipped = new Set<number>();
    for (;;) {
      if (stopped) return;
      const open = await deps.queue.pollingRunners(pool, now() - deps.pollFreshMs);
      if (open.length === 0) return;
      const head = (await deps.queue.head(pool, deps.headSize)).filter((m) => !skipped.has(m.jobId) && !asking.has(m.jobId));
      if (head.length === 0) return;
      const job = deps.classifier.pickNext(head, {
        now: now(), runningByProject: await deps.queue.projectLoad(pool), highClassUsedByProject: await deps.queue.highClassUsage(pool, now()),
      });
      if (!job) return;
      if (!(await place(pool, job, open))) skipped.add(job.jobId);
    }
  }

  /** Decides one job among the open runners; false when it cannot be placed this round. */
  async function place(pool: string, job: HeldJobMeta, open: string[]): Promise<boolean> {
    const started = now();
    const fifoRunnerId = open[0] ?? null;
    if (fifoRunnerId === null) return false;
    // Deploy-order safety: a later commit never deploys before an earlier one to the same environment.
    if (job.isDeploy && !(await deps.queue.isOldestDeploy(job))) return false;
    if (job.fifoOnly) {
      return reserve(job, fifoRunnerId, started, { mode: "rule", enforced: false, fifoRunnerId, rationale: `FIFO: ${fifoRunnerId} asked first; ${job.fifoOnly}`, reasons: [], candidates: [], margin: null, fallbackReason: null });
    }
    const result = await deps.scorer.score(toJobQueued(job, open));
    if (!result.ok) {
      return reserve(job, fifoRunnerId, started, { mode: "fifo-fallback", enforced: true, fifoRunnerId, rationale: `FIFO: ${fifoRunnerId} asked first; ${result.reason}`, reasons: [], candidates: [], margin: null, fallbackReason: result.reason });
    }
    const choice = ruleChoice(result.scored, deps.marginRatio);
    if (choice.runnerId === null) {
      log.debug({ jobId: job.jobId, pool, why: choice.rationale }, "no candidate for job this round");
      return false;
    }
    const tier = job.tier as TrustTier;
    if (tier === "supervised" && !job.approval) {
      ask(job, () => askHuman(job, choice.runnerId as string, fifoRunnerId, choice.rationale));
      return true;
    }
    const [first, second] = choice.candidates;
    if (choice.withinMargin && first && second && !job.llm) {
      if (deps.tieBreaker.enabled) {
        ask(job, async () => {
          const llm = await deps.tieBreaker.tieBreak({ job: toJobQueued(job, open), first, second, ruleChoice: first.runnerId });
          await deps.queue.updateMeta({ ...job, llm });
        });
        return true;
      }
      job.llm = { asked: false, skippedReason: NO_API_KEY, model: null, choice: null, accepted: false, reason: null, latencyMs: null, auditId: null };
    }
    // The LLM's pick stands only if it is still one of the candidates now.
    const llmPick = job.llm?.accepted && job.llm.choice && choice.candidates.some((c) => c.runnerId === job.llm?.choice) ? job.llm.choice : null;
    const enforced = tier !== "advisory";
    const smart = llmPick ?? choice.runnerId;
    const runnerId = enforced ? smart : fifoRunnerId;
    const approval = job.approval ? ` (approved by ${job.approval.by})` : "";
    const rationale = !enforced
      ? `advisory: FIFO gave it to ${fifoRunnerId}; Switchyard would pick ${choice.rationale}`
      : llmPick && llmPick !== choice.runnerId
        ? `LLM tie-break chose ${llmPick} over ${choice.runnerId}: ${job.llm?.reason ?? ""}; ${choice.rationale}${approval}`
        : `${choice.rationale}${approval}`;
    return reserve(job, runnerId, started, {
      mode: llmPick ? "llm" : "rule", enforced, fifoRunnerId, rationale, reasons: choice.reasons,
      candidates: choice.candidates, margin: choice.margin, fallbackReason: null,
    });
  }

  async function askHuman(job: HeldJobMeta, proposed: string, fifoRunnerId: string | null, rationale: string): Promise<void> {
    const decisionId = `approval-${job.jobId}-${now()}`;
    const verdict = await deps.approvals.ask({
      v: 1, decisionId, jobId: job.jobId, pool: job.pool, jobClass: job.jobClass, proposedRunnerId: proposed,
      fifoRunnerId, rationale, expiresAt: now() + deps.approvalWindowMs,
    }, deps.approvalWindowMs);
    const fresh = (await deps.queue.meta(job.jobId)) ?? job;
    await deps.queue.updateMeta({
      ...fresh,
      approval: verdict,
      ...(verdict.state === "approved" ? {} : { fifoOnly: verdict.state === "rejected" ? `approval rejected by ${verdict.by}` : "no approval within the window: safe default" }),
    });
  }

  function ask(job: HeldJobMeta, question: () => Promise<void>): void {
    const p = question()
      .catch((err: unknown) => log.warn({ err: (err as Error).message, jobId: job.jobId }, "side question failed"))
      .finally(() => { asking.delete(job.jobId); requestRound(job.pool); });
    asking.set(job.jobId, p);
  }

  async function reserve(job: HeldJobMeta, runnerId: string, started: number, placement: Placement): Promise<boolean> {
    const decision = deps.recorder.build(job, runnerId, started, placement);
    // The explanation must be in Redis before the reservation: the hand-off reads it.
    await deps.queue.updateMeta({ ...job, decisionId: decision.decisionId, decisionRationale: decision.rationale, decisionMode: decision.mode });
    if (!(await deps.queue.reserve(job.pool, job.jobId, runnerId, now() + deps.reservationTtlMs))) {
      log.debug({ jobId: job.jobId, runnerId }, "job already placed elsewhere");
      return true;
    }
    await deps.queue.unmarkPolling(job.pool, runnerId);
    deps.wake(runnerId);
    if (deps.classifier.isHighClass(job)) await deps.queue.recordHighClass(job.pool, job.projectId, job.jobId, now());
    deps.recorder.publish(decision, now() - started);
    return true;
  }

  return {
    requestRound,
    async idle() {
      while (rounds.size > 0 || asking.size > 0) await Promise.allSettled([...rounds.values(), ...asking.values()]);
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
