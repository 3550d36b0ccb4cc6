import {
  BrokenCircuitError, ConsecutiveBreaker, TaskCancelledError, TimeoutStrategy,
  circuitBreaker, handleAll, timeout, wrap,
} from "cockatiel";
import { contracts, type JobQueued, type JobScored } from "@switchyard/contracts";
import type { Bus, Logger } from "@switchyard/runtime";
import type { Gauge, Counter } from "prom-client";

/** Scores come back, or the reason dispatch must fall back to FIFO for this job. */
export type ScoreResult = { ok: true; scored: JobScored } | { ok: false; reason: string };

/** Asks the scorers (NATS queue group) to rank runners, behind a timeout and a circuit breaker. */
export interface ScorerClient {
  score(job: JobQueued): Promise<ScoreResult>;
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
    async score(job) {
      try {
        const scored = await policy.execute(({ signal }) => requestScores(job, signal));
        return { ok: true, scored };
      } catch (err) {
        if (err instanceof BrokenCircuitError) return { ok: false, reason: "scorer breaker open" };
        if (err instanceof TaskCancelledError) return { ok: false, reason: `scorer slower than ${deps.budgetMs} ms` };
        return { ok: false, reason: `scorer failed: ${(err as Error).message}` };
      }
    },
  };

  function describe(err: unknown): string {
    if (err instanceof TaskCancelledError) return `scorer slower than ${deps.budgetMs} ms`;
    return `scorer failed: ${(err as Error).message}`;
  }

  async function requestScores(job: JobQueued, signal: AbortSignal): Promise<JobScored> {
    const reply = deps.bus.request(contracts.jobQueued, deps.bus.subjects.jobQueued(job.pool), job, contracts.jobScored, deps.budgetMs + 50);
    return await new Promise<JobScored>((resolve, reject) => {
      signal.addEventListener("abort", () => reject(new TaskCancelledError()), { once: true });
      reply.then(resolve, reject);
    });
  }
}
