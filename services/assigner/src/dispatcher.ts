import type { Candidate, JobQueued, JobScored, TrustTier } from "@switchyard/contracts";
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
  /** Draining, paused or unhealthy runners get no job, even in FIFO. */
  placeable: (runnerId: string) => boolean;
  log: Logger;
  /** Wakes the long poll of a runner a job was reserved for, wherever it is held. */
  wake: (runnerId: string) => void;
  marginRatio: number;
  reservationTtlMs: number;
  approvalWindowMs: number;
  /** A runner counts as asking if it polled within this window. */
  pollFreshMs: number;
  headSize: number;
  /** Runners offered to the scorer per job, longest-waiting first. */
  maxCandidates: number;
  now?: () => number;
}

import { NO_API_KEY } from "./deciding/llm/index.js";

/** place() result: the job now waits on a side question and took no runner. */
const ASKED = Symbol("asked");

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
      const at = now();
      // One read of everything a pick needs, in parallel: each Redis hop is latency on a busy box.
      const [polling, headAll, runningByProject, highClassUsedByProject] = await Promise.all([
        deps.queue.pollingRunners(pool, at - deps.pollFreshMs),
        deps.queue.head(pool, deps.headSize),
        deps.queue.projectLoad(pool),
        deps.queue.highClassUsage(pool, at),
      ]);
      const open = polling.filter(deps.placeable);
      if (open.length === 0) return;
      const picks = pickBatch(headAll.filter((m) => !skipped.has(m.jobId) && !asking.has(m.jobId)), open.length, { now: at, runningByProject, highClassUsedByProject });
      if (picks.length === 0) return;
      // Score the batch concurrently, then place in priority order: each job takes its best
      // candidate that an earlier job of the batch has not taken.
      const assessed = await Promise.all(picks.map((job) => assess(job, open)));
      const available = [...open];
      let progress = false;
      for (const [i, job] of picks.entries()) {
        if (available.length === 0) break;
        const taken = await place(job, assessed[i]!, available);
        if (taken === null) { skipped.add(job.jobId); continue; }
        progress = true;
        if (taken !== ASKED) available.splice(available.indexOf(taken), 1);
      }
      if (!progress) return;
    }
  }

  /** Up to `count` jobs in the order pickNext gives, counting each pick against its project's fairness. */
  function pickBatch(head: HeldJobMeta[], count: number, ctx: { now: number; runningByProject: Map<number, number>; highClassUsedByProject: Map<number, number> }): HeldJobMeta[] {
    const picks: HeldJobMeta[] = [];
    let remaining = head;
    while (picks.length < count && remaining.length > 0) {
      const job = deps.classifier.pickNext(remaining, ctx);
      if (!job) break;
      picks.push(job);
      remaining = remaining.filter((m) => m !== job);
      ctx.runningByProject.set(job.projectId, (ctx.runningByProject.get(job.projectId) ?? 0) + 1);
    }
    return picks;
  }

  type Assessment =
    | { kind: "wait" }
    | { kind: "fifo"; mode: "rule" | "fifo-fallback"; reason: string; fallbackReason: string | null }
    | { kind: "scored"; scored: JobScored; started: number };

  /** Everything about a job that can be worked out before runners are handed out: the slow part. */
  async function assess(job: HeldJobMeta, open: string[]): Promise<Assessment & { started?: number }> {
    const started = now();
    // Deploy-order safety: a later commit never deploys before an earlier one to the same environment.
    if (job.isDeploy && !(await deps.queue.isOldestDeploy(job))) return { kind: "wait" };
    if (job.fifoOnly) return { kind: "fifo", mode: "rule", reason: job.fifoOnly, fallbackReason: null, started };
    // The longest-waiting runners are the candidates: bounds the request and the scoring work
    // when hundreds of runners are idle, without changing who FIFO would serve.
    const result = await deps.scorer.score(toJobQueued(job, open.slice(0, deps.maxCandidates)));
    if (!result.ok) return { kind: "fifo", mode: "fifo-fallback", reason: result.reason, fallbackReason: result.reason, started };
    return { kind: "scored", scored: result.scored, started };
  }

  /**
   * Places one assessed job on one of the runners still available. Returns the runner taken,
   * ASKED when a side question (human, LLM) now holds the job, or null when it cannot go now.
   */
  async function place(job: HeldJobMeta, assessment: Assessment & { started?: number }, available: string[]): Promise<string | typeof ASKED | null> {
    const started = assessment.started ?? now();
    const fifoRunnerId = available[0] ?? null;
    if (fifoRunnerId === null || assessment.kind === "wait") return null;
    if (assessment.kind === "fifo") {
      const enforced = assessment.mode === "fifo-fallback";
      return reserve(job, fifoRunnerId, started, {
        mode: assessment.mode, enforced, fifoRunnerId, rationale: `FIFO: ${fifoRunnerId} asked first; ${assessment.reason}`,
        reasons: [], candidates: [], margin: null, fallbackReason: assessment.fallbackReason,
      });
    }
    const stillOpen = new Set(available);
    const scored = { ...assessment.scored, candidates: assessment.scored.candidates.filter((c) => stillOpen.has(c.runnerId)) };
    const choice = ruleChoice(scored, deps.marginRatio);
    if (choice.runnerId === null) {
      log.debug({ jobId: job.jobId, pool: job.pool, why: choice.rationale }, "no candidate for job this round");
      return null;
    }
    const tier = job.tier as TrustTier;
    if (tier === "supervised" && !job.approval) {
      ask(job, () => askHuman(job, choice.runnerId as string, fifoRunnerId, choice.rationale));
      return ASKED;
    }
    const [first, second] = choice.candidates;
    if (choice.withinMargin && first && second && !job.llm) {
      if (deps.tieBreaker.enabled) {
        const question = toJobQueued(job, available);
        ask(job, async () => {
          const llm = await deps.tieBreaker.tieBreak({ job: question, first, second, ruleChoice: first.runnerId });
          await deps.queue.updateMeta({ ...job, llm });
        });
        return ASKED;
      }
      job.llm = { asked: false, skippedReason: NO_API_KEY, model: null, choice: null, accepted: false, reason: null, latencyMs: null, auditId: null };
    }
    // The LLM's pick stands only if it is still one of the candidates now.
    const llmPick = job.llm?.accepted && job.llm.choice && choice.candidates.some((c) => c.runnerId === job.llm?.choice) ? job.llm.choice : null;
    const enforced = tier !== "advisory";
    const smart = llmPick ?? choice.runnerId;
    const runnerId = enforced ? smart : fifoRunnerId;
    const approval = job.approval ? ` (approved by ${approverLabel(job.approval)})` : "";
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
      ...(verdict.state === "approved" ? {} : { fifoOnly: verdict.state === "rejected" ? `approval rejected by ${approverLabel(verdict)}` : "no approval within the window: safe default" }),
    });
  }

  function ask(job: HeldJobMeta, question: () => Promise<void>): void {
    const p = question()
      .catch((err: unknown) => log.warn({ err: (err as Error).message, jobId: job.jobId }, "side question failed"))
      .finally(() => { asking.delete(job.jobId); requestRound(job.pool); });
    asking.set(job.jobId, p);
  }

  /** Reserves the job for the runner; the runner taken, or null when another replica placed the job first. */
  async function reserve(job: HeldJobMeta, runnerId: string, started: number, placement: Placement): Promise<string | null> {
    const decision = deps.recorder.build(job, runnerId, started, placement);
    // Sent together on one connection, so the explanation is in Redis before the reservation
    // (the hand-off reads it) without waiting a round trip in between.
    const explained = deps.queue.updateMeta({ ...job, decisionId: decision.decisionId, decisionRationale: decision.rationale, decisionMode: decision.mode });
    const reserved = deps.queue.reserve(job.pool, job.jobId, runnerId, now() + deps.reservationTtlMs);
    // Awaited together: awaiting one first would leave the other's rejection (Redis gone) unhandled.
    const [, ok] = await Promise.all([explained, reserved]);
    if (!ok) {
      log.debug({ jobId: job.jobId, runnerId }, "job already placed elsewhere");
      return null;
    }
    deps.wake(runnerId);
    await Promise.all([
      deps.queue.unmarkPolling(job.pool, runnerId),
      deps.classifier.isHighClass(job) ? deps.queue.recordHighClass(job.pool, job.projectId, job.jobId, now()) : undefined,
    ]);
    deps.recorder.publish(decision, now() - started);
    return runnerId;
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

/** The authenticated principal, with the name the human gave when it differs ("cli (as alice)"). */
function approverLabel(approval: { by: string | null; claimedBy?: string | null }): string {
  return approval.claimedBy && approval.claimedBy !== approval.by ? `${approval.by} (as ${approval.claimedBy})` : `${approval.by}`;
}
