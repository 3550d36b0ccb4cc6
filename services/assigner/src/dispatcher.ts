import type { Candidate, JobQueued } from "@switchyard/contracts";
import { approvalOutcome, placeJob, type Placement, type PlacementConfig, type PlacementInput } from "@switchyard/decision";
import type { Logger } from "@switchyard/runtime";
import type { Approvals } from "./deciding/approvals.js";
import type { JobClassifier } from "./deciding/job-classifier.js";
import { NO_API_KEY } from "./deciding/llm/index.js";
import type { ScorerClient } from "./deciding/scorer-client.js";
import type { DecisionRecorder } from "./decision-recorder.js";
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
  /** The placement policy's knobs (margin, candidates per job). */
  placement: PlacementConfig;
  reservationTtlMs: number;
  approvalWindowMs: number;
  /** A runner counts as asking if it polled within this window. */
  pollFreshMs: number;
  headSize: number;
  now?: () => number;
}

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

  /** A job's placement input once the slow answers are in (deploy order, the scorer's ranking). */
  interface Assessment { input: PlacementInput; started: number }

  /**
   * Everything about a job that can be worked out before runners are handed out: the slow part,
   * run for the whole batch at once. The policy says whether the scorer is needed at all.
   */
  async function assess(job: HeldJobMeta, open: string[]): Promise<Assessment> {
    const started = now();
    const oldestDeploy = job.isDeploy ? await deps.queue.isOldestDeploy(job) : true;
    const input: PlacementInput = {
      job, available: open, scores: { kind: "not-asked" }, oldestDeploy,
      tieBreakerOff: deps.tieBreaker.enabled ? null : NO_API_KEY, config: deps.placement,
    };
    const step = placeJob(input);
    if (step.kind !== "ask-scorer") return { input, started };
    const result = await deps.scorer.score(step.request);
    return { input: { ...input, scores: result.ok ? { kind: "scored", scored: result.scored } : { kind: "unavailable", reason: result.reason } }, started };
  }

  /**
   * Places one assessed job on one of the runners still available, doing what the policy says.
   * Returns the runner taken, ASKED when a side question (human, LLM) now holds the job, or null
   * when it cannot go now.
   */
  async function place(job: HeldJobMeta, assessment: Assessment, available: string[]): Promise<string | typeof ASKED | null> {
    const step = placeJob({ ...assessment.input, available });
    switch (step.kind) {
      case "place":
        return reserve(step.llm ? { ...job, llm: step.llm } : job, step.runnerId, assessment.started, step.placement);
      case "ask-human":
        ask(job, () => askHuman(job, step.proposedRunnerId, step.fifoRunnerId, step.rationale));
        return ASKED;
      case "ask-llm":
        ask(job, async () => {
          const llm = await deps.tieBreaker.tieBreak({ job: step.question, first: step.first, second: step.second, ruleChoice: step.ruleChoice });
          await deps.queue.updateMeta({ ...job, llm });
        });
        return ASKED;
      case "skip":
        log.debug({ jobId: job.jobId, pool: job.pool, why: step.rationale }, "no candidate for job this round");
        return null;
      case "wait":
      case "ask-scorer": // cannot happen: assess answered the scorer question
        return null;
    }
  }

  async function askHuman(job: HeldJobMeta, proposed: string, fifoRunnerId: string | null, rationale: string): Promise<void> {
    const decisionId = `approval-${job.jobId}-${now()}`;
    const verdict = await deps.approvals.ask({
      v: 1, decisionId, jobId: job.jobId, pool: job.pool, jobClass: job.jobClass, proposedRunnerId: proposed,
      fifoRunnerId, rationale, expiresAt: now() + deps.approvalWindowMs,
    }, deps.approvalWindowMs);
    const fresh = (await deps.queue.meta(job.jobId)) ?? job;
    await deps.queue.updateMeta({ ...fresh, ...approvalOutcome(verdict) });
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
