import { summarizeDecision, type Candidate, type JobQueued, type LlmTieBreak } from "@switchyard/contracts";
import { approvalOutcome, mayTakeSlot, placeJob, type Placement, type PlacementConfig, type PlacementInput } from "@switchyard/decision";
import type { Logger } from "@switchyard/runtime";
import type { Approvals } from "./deciding/approvals.js";
import type { JobClassifier } from "./deciding/job-classifier.js";
import { NO_API_KEY } from "./deciding/llm/index.js";
import type { ScorerClient } from "./deciding/scorer-client.js";
import type { WarmReserve } from "./deciding/warm-reserve.js";
import type { DecisionRecorder } from "./decision-recorder.js";
import type { HandoffTrace } from "./handoff-trace.js";
import type { DispatchRound } from "./queue/dispatch-round.js";
import type { HeldJobMeta, HeldJobs } from "./queue/held-jobs.js";

/** The LLM tie-breaker as the dispatcher uses it: never throws, bounded in time. */
export interface TieBreakerPort {
  readonly enabled: boolean;
  tieBreak(input: { job: JobQueued; first: Candidate; second: Candidate; ruleChoice: string }): Promise<LlmTieBreak>;
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
  /** A round's read and its placements (two Redis steps), and the meta its side questions update. */
  queue: DispatchRound & Pick<HeldJobs, "meta" | "updateMeta">;
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
  /**
   * The optimizer's warm reserve of a pool (deciding/warm-reserve.ts), from its record as the round read
   * it: jobs below its `minWeight` do not take the pool's last `slots` free slots. Never throws; null = no
   * reserve. Absent = no reserve ever.
   */
  warmReserve?: (pool: string, raw: string | null) => WarmReserve | null;
  /** Marks the hand-off stages the dispatcher ends (handoff-trace.ts): the round's start, read, score, reservation. */
  trace?: Pick<HandoffTrace, "mark">;
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
      // One Redis step reads everything a pick needs (queue/dispatch-round.ts): each round trip is latency on a busy box.
      const view = await deps.queue.readRound(pool, { since: at - deps.pollFreshMs, headSize: deps.headSize, now: at });
      const { polling, head: headAll, projectLoad: runningByProject, highClassUsage: highClassUsedByProject } = view;
      const warm = deps.warmReserve?.(pool, view.warmReserve) ?? null;
      // A runner holding several polls (request_concurrency, managers sharing a token) has as many slots.
      const slots = new Map(polling.filter((r) => deps.placeable(r.runnerId)).map((r) => [r.runnerId, r.slots]));
      const open = [...slots.keys()];
      if (open.length === 0) return;
      const freeSlots = [...slots.values()].reduce((n, s) => n + s, 0);
      // The reserve is scheduling policy: with the breaker open (FIFO fallback) it is ignored, so the
      // fallback never leaves an asking runner idle because of an optional part (docs/OPERATING.md, "Warm reserve").
      const reserve = deps.scorer.state === "open" ? null : warm;
      const picks = pickBatch(headAll.filter((m) => !skipped.has(m.jobId) && !asking.has(m.jobId)), freeSlots, { now: at, runningByProject, highClassUsedByProject }, reserve);
      if (picks.length === 0) return;
      // Score the batch in one request, then place in priority order: each job takes its best
      // candidate whose slots earlier jobs of the batch have not used up.
      const assessed = await assessBatch(picks, open, view.laterDeploys, at);
      const available = [...open];
      let progress = false;
      for (const [i, job] of picks.entries()) {
        if (available.length === 0) break;
        const taken = await place(job, assessed[i]!, available);
        if (taken === null) { skipped.add(job.jobId); continue; }
        progress = true;
        if (taken === ASKED) continue;
        const left = (slots.get(taken) ?? 1) - 1;
        slots.set(taken, left);
        if (left <= 0) available.splice(available.indexOf(taken), 1);
      }
      if (!progress) return;
    }
  }

  /**
   * Up to `count` jobs in the order pickNext gives, counting each pick against its project's fairness.
   * With a warm reserve, a job below its minWeight that would take one of the last reserved free slots
   * stays queued (libs/decision's mayTakeSlot, as in the replay) and an urgent job behind it may go.
   */
  function pickBatch(
    head: HeldJobMeta[], count: number, ctx: { now: number; runningByProject: Map<number, number>; highClassUsedByProject: Map<number, number> },
    reserve: WarmReserve | null,
  ): HeldJobMeta[] {
    const picks: HeldJobMeta[] = [];
    let remaining = head;
    while (picks.length < count && remaining.length > 0) {
      const job = deps.classifier.pickNext(remaining, ctx);
      if (!job) break;
      remaining = remaining.filter((m) => m !== job);
      if (reserve && !mayTakeSlot(job.weight, count - picks.length, reserve.slots, reserve.minWeight)) {
        log.debug({ jobId: job.jobId, pool: job.pool, weight: job.weight, reserved: reserve.slots }, "job held back from the warm reserve");
        continue;
      }
      picks.push(job);
      ctx.runningByProject.set(job.projectId, (ctx.runningByProject.get(job.projectId) ?? 0) + 1);
    }
    return picks;
  }

  /** A job's placement input once the slow answers are in (deploy order, the scorer's ranking). */
  interface Assessment { input: PlacementInput; started: number; marks: RoundMarks }
  /** When the round that placed a job started, and when its read and its scoring ended. */
  interface RoundMarks { round: number; read: number; scored: number }

  /**
   * Everything about the batch's jobs that can be worked out before runners are handed out: the slow
   * part (one score request for every job the policy wants scored; the deploy order came with the round's read).
   */
  async function assessBatch(jobs: readonly HeldJobMeta[], open: string[], laterDeploys: ReadonlySet<number>, round: number): Promise<Assessment[]> {
    const started = now();
    const inputs = jobs.map((job): PlacementInput => ({
      job, available: open, scores: { kind: "not-asked" }, oldestDeploy: !(job.isDeploy && laterDeploys.has(job.jobId)),
      tieBreakerOff: deps.tieBreaker.enabled ? null : NO_API_KEY, config: deps.placement,
    }));
    const asks = inputs.flatMap((input, i) => {
      const step = placeJob(input);
      return step.kind === "ask-scorer" ? [{ i, request: step.request }] : [];
    });
    const results = await deps.scorer.scoreBatch(asks.map((a) => a.request));
    for (const [k, { i }] of asks.entries()) {
      const result = results[k]!;
      inputs[i] = { ...inputs[i]!, scores: result.ok ? { kind: "scored", scored: result.scored } : { kind: "unavailable", reason: result.reason } };
    }
    const marks = { round, read: started, scored: now() };
    return inputs.map((input) => ({ input, started, marks }));
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
        return reserve(step.llm ? { ...job, llm: step.llm } : job, step.runnerId, assessment, step.placement);
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
  async function reserve(job: HeldJobMeta, runnerId: string, { started, marks }: Assessment, placement: Placement): Promise<string | null> {
    const decision = deps.recorder.build(job, runnerId, started, placement);
    // One Redis step: the reservation with the explanation the hand-off reads and, for a top-class job,
    // its dispatch on the project's budget; nothing is written when another replica placed the job first.
    const decided = {
      ...job, decisionId: decision.decisionId, decisionRationale: decision.rationale, decisionMode: decision.mode, decisionSummary: summarizeDecision(decision),
    };
    const at = now();
    const ok = await deps.queue.reserve(job.pool, job.jobId, runnerId, at + deps.reservationTtlMs,
      { meta: decided, highClass: deps.classifier.isHighClass(job), now: at });
    if (!ok) {
      log.debug({ jobId: job.jobId, runnerId }, "job already placed elsewhere");
      return null;
    }
    if (deps.trace) {
      deps.trace.mark(job.jobId, "queued", marks.round);
      deps.trace.mark(job.jobId, "read", marks.read);
      deps.trace.mark(job.jobId, "scored", marks.scored);
      deps.trace.mark(job.jobId, "reserved", now());
    }
    // One wake per reservation: it frees one held poll; the reservation itself uses up that poll's slot.
    deps.wake(runnerId);
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
