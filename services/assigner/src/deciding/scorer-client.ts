import {
  BrokenCircuitError, ConsecutiveBreaker, TaskCancelledError, TimeoutStrategy,
  circuitBreaker, handleAll, timeout, wrap,
} from "cockatiel";
import { contracts, type JobBatchQueued, type JobBatchScored, type JobQueued, type JobScored } from "@switchyard/contracts";
import type { Bus, Logger } from "@switchyard/runtime";
import type { Gauge, Counter } from "prom-client";

/**
 * Jobs per score request. A round can pick as many jobs as runners are asking (hundreds); 64 jobs of
 * 64 candidates keep a request and its compact answer well inside NATS's 1 MB default max_payload.
 */
export const SCORE_BATCH_MAX = 64;

/** Scores come back, or the reason dispatch must fall back to FIFO for this job. */
export type ScoreResult = { ok: true; scored: JobScored } | { ok: false; reason: string };

/** Asks the scorers (NATS queue group) to rank runners, behind a timeout and a circuit breaker. */
export interface ScorerClient {
  /**
   * Scores one dispatch round's jobs of one pool, offered the same asking runners, in one request:
   * a result per job, in the order given. One breaker call per round: a slow scorer costs the round
   * one budget, not one per job.
   */
  scoreBatch(jobs: readonly JobQueued[]): Promise<ScoreResult[]>;
  readonly state: "closed" | "open" | "half-open";
}

export interface ScorerClientDeps {
  bus: Bus;
  log: Logger;
  budgetMs: number;
  failuresToOpen: number;
  halfOpenAfterMs: number;
  breakerState: Gauge;
  breakerTransitions: Counter<"to">;
  /** Told of every transition, e.g. to record it where the dashboard reads it. */
  onTransition?: (state: ScorerClient["state"], reason: string) => void;
}

/**
 * cockatiel gives the breaker's state machine (closed → open → half-open probe →
 * closed) so an absent or slow scorer trips FIFO at once and recovers by itself.
 */
export function createScorerClient(deps: ScorerClientDeps): ScorerClient {
  const log = deps.log.child({ component: "breaker" });
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: deps.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(deps.failuresToOpen),
  });
  const budget = timeout(deps.budgetMs, TimeoutStrategy.Aggressive);
  const policy = wrap(breaker, budget);
  let state: ScorerClient["state"] = "closed";
  let lastFailure = "";
  const setState = (next: ScorerClient["state"], value: number, reason: string) => {
    if (state === next) return;
    state = next;
    deps.breakerState.set(value);
    deps.breakerTransitions.inc({ to: next });
    log.warn({ to: next, reason }, `scorer breaker ${next}`);
    deps.onTransition?.(next, reason);
  };
  deps.breakerState.set(0);
  deps.onTransition?.("closed", "start");
  breaker.onFailure(({ reason }) => {
    lastFailure = "error" in reason ? describe(reason.error) : "bad result";
  });
  breaker.onBreak(() => setState("open", 1, `dispatch in FIFO: ${lastFailure}`));
  breaker.onHalfOpen(() => setState("half-open", 2, "probing the scorer"));
  breaker.onReset(() => setState("closed", 0, "scorer answered in time"));

  return {
    get state() { return state; },
    async scoreBatch(jobs) {
      const chunks: (readonly JobQueued[])[] = [];
      for (let i = 0; i < jobs.length; i += SCORE_BATCH_MAX) chunks.push(jobs.slice(i, i + SCORE_BATCH_MAX));
      return (await Promise.all(chunks.map(scoreChunk))).flat();
    },
  };

  async function scoreChunk(jobs: readonly JobQueued[]): Promise<ScoreResult[]> {
    const batch = batchOf(jobs);
    try {
      const scored = await policy.execute(({ signal }) => requestScores(batch, signal));
      const { results, ...common } = scored;
      const byJob = new Map(results.map((r) => [r.jobId, r]));
      return jobs.map((job): ScoreResult => {
        const result = byJob.get(job.jobId);
        return result ? { ok: true, scored: { ...common, ...result } } : { ok: false, reason: "scorer left the job out of its answer" };
      });
    } catch (err) {
      const reason = err instanceof BrokenCircuitError ? "scorer breaker open" : describe(err);
      return jobs.map(() => ({ ok: false, reason }));
    }
  }

  function describe(err: unknown): string {
    if (err instanceof TaskCancelledError) return `scorer slower than ${deps.budgetMs} ms`;
    return `scorer failed: ${(err as Error).message}`;
  }

  async function requestScores(batch: JobBatchQueued, signal: AbortSignal): Promise<JobBatchScored> {
    // Built here from the held jobs' metas (toJobQueued): not validated again on the rule path; the scorer validates it.
    const reply = deps.bus.request(contracts.jobBatchQueued, deps.bus.subjects.jobBatchQueued(batch.pool), batch, contracts.jobBatchScored,
      deps.budgetMs + 50, { built: true });
    return await new Promise<JobBatchScored>((resolve, reject) => {
      signal.addEventListener("abort", () => reject(new TaskCancelledError()), { once: true });
      reply.then(resolve, reject);
    });
  }
}

/** The round's jobs as one request: their pool and asking runners are the same, so they are sent once. */
function batchOf(jobs: readonly JobQueued[]): JobBatchQueued {
  const [first] = jobs as [JobQueued, ...JobQueued[]];
  const sameRunners = (job: JobQueued) => job.openRunners.length === first.openRunners.length
    && job.openRunners.every((r, i) => r.runnerId === first.openRunners[i]!.runnerId && r.freeSlots === first.openRunners[i]!.freeSlots);
  if (jobs.some((job) => job.pool !== first.pool || !sameRunners(job))) {
    throw new Error("a score batch holds one pool's jobs offered the same runners");
  }
  return { v: 1, pool: first.pool, openRunners: first.openRunners, jobs: jobs.map(({ v: _v, pool: _pool, openRunners: _open, ...job }) => job) };
}
