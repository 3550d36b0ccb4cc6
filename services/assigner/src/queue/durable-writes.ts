import type { Logger, ReplicaSettle, ReplicaWait } from "@switchyard/runtime";
import type { Counter } from "prom-client";
import type { FairnessLedger } from "./fairness-ledger.js";
import type { CollectedJob, Handoffs, PollAnswer } from "./handoffs.js";
import type { ArrivingJob, HeldJobMeta, HeldJobs } from "./held-jobs.js";
import type { RunnerPoll, RunnerPresence } from "./runner-presence.js";

/**
 * The two queue writes whose loss in a Redis failover loses or doubles a job, made to survive one:
 * - the take-in (enqueue): the job is `running` in GitLab from the moment GitLab handed it over, and
 *   only Redis holds it; lost, nobody hands it out and GitLab drops it 30 minutes later;
 * - the hand-off (collect): lost, the promoted replica still has the job reserved or queued, and it is
 *   handed to a second runner.
 * After each, the connection WAITs for a replica (replica-wait.ts) before anything is said outside
 * (the intake returns, the runner is answered). When the connection was re-established meanwhile (a
 * failover: the reply may have come from a primary that is gone), the record is checked on the primary
 * writes go to now and written again from what this process still holds in memory
 * (`switchyard_redis_failover_repairs_total`). A WAIT that timed out on the same connection says the
 * replica is slow, not that the record is missing: it is counted and the write goes on.
 * What remains possible is a replica that acknowledged nothing in time and is promoted afterwards
 * (WAIT is not a consensus: docs/OPERATING.md §11); reconcile is the backstop for that.
 */
/** The parts of the queue whose writes are made durable here, or that are read around them. */
export type DurableTarget = Pick<HeldJobs, "enqueue" | "restoreTakeIn"> & Pick<Handoffs, "collect" | "answerPoll" | "restoreHandoff" | "undoHandoff">
  & Pick<RunnerPresence, "runnerVersion" | "markPolling"> & Partial<Pick<FairnessLedger, "nextFifoSeq">>;

export interface DurableWritesDeps<Q extends DurableTarget> {
  queue: Q;
  replica: ReplicaWait;
  /** Records written again after a failover lost them, by record. */
  repairs: Counter<"record">;
  log: Logger;
  /** How long a check is retried while Redis is still failing over; then the write's caller sees the error. */
  checkDeadlineMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const REPAIRED_RECORDS = ["take_in", "handoff"] as const;

/**
 * Whether the record must be looked for on the primary. Only when the connection moved (or nothing is
 * known): on the same primary the write is there by construction (a timeout means a slow replica, not a
 * missing record), and looking anyway would re-write a job that was handed out and finished in between.
 */
const needsCheck = (settled: ReplicaSettle) => settled.reconnected || settled.result === "error";

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The queue with its take-in and hand-off made failover-safe; every other call passes through. */
export function withDurableWrites<Q extends DurableTarget>(deps: DurableWritesDeps<Q>): Q {
  const { queue, replica, log } = deps;
  const deadlineMs = deps.checkDeadlineMs ?? 15_000;
  const sleep = deps.sleep ?? pause;

  /** Runs a check until Redis answers it (a failover takes seconds) or the deadline passes. */
  async function retrying<T>(what: string, check: () => Promise<T>): Promise<T> {
    const until = Date.now() + deadlineMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await check();
      } catch (err) {
        if (Date.now() >= until) throw err;
        log.debug({ what, attempt, err: (err as Error).message }, "durability check failed; Redis may be failing over, trying again");
        await sleep(Math.min(100 * attempt, 1_000));
      }
    }
  }

  // After a repair the meta keeps the fifoSeq it came with (the repair draws one in Redis when it has none):
  // nothing in the assigner reads it back from the take-in's answer.
  async function enqueue(meta: ArrivingJob, payload: string): Promise<HeldJobMeta> {
    const since = replica.epoch();
    let stored: HeldJobMeta;
    try {
      stored = await queue.enqueue(meta, payload);
    } catch (err) {
      // GitLab handed the job over while Redis fails over: it is running there and only this process
      // has it. Written where it is missing once Redis answers (the first try may have landed).
      log.warn({ jobId: meta.jobId, err: (err as Error).message }, "take-in failed; writing it again once Redis answers");
      if (await retrying("take-in", () => queue.restoreTakeIn(meta, payload))) deps.repairs.inc({ record: "take_in" });
      await replica.settle(replica.epoch());
      return { ...meta, fifoSeq: meta.fifoSeq ?? 0 };
    }
    const settled = await replica.settle(since);
    if (!needsCheck(settled)) return stored;
    const again = replica.epoch();
    if (await retrying("take-in", () => queue.restoreTakeIn(meta, payload))) {
      deps.repairs.inc({ record: "take_in" });
      log.warn({ jobId: meta.jobId, pool: meta.pool, wait: settled.result }, "take-in missing on the Redis primary after a failover: written again");
      await replica.settle(again);
    }
    return stored;
  }

  /** A collected job made durable before the runner hears of it; null when another poll has it now. */
  async function settleCollected(runnerId: string, job: CollectedJob, since: number): Promise<CollectedJob | null> {
    const settled = await replica.settle(since);
    if (!needsCheck(settled)) return job;
    const again = replica.epoch();
    const found = await retrying("hand-off", () => queue.restoreHandoff(runnerId, job));
    if (found === "taken") {
      // The promoted replica lost this hand-off and another poll (another runner's, or this runner's
      // after an undo) collected the job there since: that poll has it, so this one is answered without a job.
      log.warn({ jobId: job.jobId, runner: runnerId }, "hand-off lost in a Redis failover and the job collected by another runner since: not handed out here");
      return null;
    }
    if (found === "restored") {
      deps.repairs.inc({ record: "handoff" });
      log.warn({ jobId: job.jobId, runner: runnerId, wait: settled.result }, "hand-off missing on the Redis primary after a failover: written again before answering the runner");
      await replica.settle(again);
    }
    return job;
  }

  async function collect(runnerId: string, poll?: RunnerPoll): Promise<CollectedJob | null> {
    const since = replica.epoch();
    const job = await queue.collect(runnerId, poll);
    return job ? settleCollected(runnerId, job, since) : null;
  }

  async function answerPoll(runnerId: string, poll: RunnerPoll, arriving: boolean): Promise<PollAnswer> {
    const since = replica.epoch();
    const answer = await queue.answerPoll(runnerId, poll, arriving);
    if (!answer.job) return answer;
    const job = await settleCollected(runnerId, answer.job, since);
    if (job) return { job, version: answer.version };
    // Answered without the job, the poll goes on as one that collected nothing: asking, with the version now.
    if (arriving) await retrying("mark polling", () => queue.markPolling(poll, Date.now()));
    return { job: null, version: await retrying("runner version", () => queue.runnerVersion(runnerId)) };
  }

  return {
    ...queue, enqueue, collect, answerPoll,
    // A sequence drawn alone (the take-in draws its own in its script) waits out a failover too.
    ...(queue.nextFifoSeq ? { nextFifoSeq: (pool: string) => retrying("fifo sequence", () => queue.nextFifoSeq!(pool)) } : {}),
    // Read between the collect and the runner's answer: failing there answered 500 to a runner whose job
    // was already collected, and the undo below failed too while Redis switched, so the job waited for the
    // unacknowledged hand-off sweep (handoffAckTimeoutMs) with its token running out.
    runnerVersion: (runnerId: string) => retrying("runner version", () => queue.runnerVersion(runnerId)),
    // A hand-off whose answer never reached the runner goes back to the queue once Redis answers.
    undoHandoff: (jobId: number, runnerId: string, handedAt: number) => retrying("undo hand-off", () => queue.undoHandoff(jobId, runnerId, handedAt)),
  };
}
