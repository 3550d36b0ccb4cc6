import { contracts, decode, validate, ContractViolation, type JobOutcome } from "@switchyard/contracts";
import { createDurationBook, durationKey, type DurationBook } from "@switchyard/decision";
import type { RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";

/** Config `durations`: how run times are learned and how often they are stored for the assigner. */
export const durationLearningSchema = z.object({
  alpha: z.number().gt(0).max(1).default(0.2).describe("weight of the newest finished run in the moving (geometric) mean; 0.2 ≈ the last ten runs"),
  maxNames: z.number().int().positive().default(5_000).describe("job names remembered (the least recently finished are forgotten)"),
  storeIntervalMs: z.number().int().positive().default(30_000).describe("how often changed estimates are written to Redis (keys.durations) for the assigner"),
});
export type DurationLearningSettings = z.infer<typeof durationLearningSchema>;

/** Learns each job name's run time from finished outcomes and stores the estimates for the assigner. */
export interface DurationLearner {
  observeOutcome(outcome: JobOutcome): void;
  /** Writes the estimates when anything changed since the last write; returns whether it wrote. */
  store(): Promise<boolean>;
  readonly book: DurationBook;
  /** Loads what a previous optimizer stored, then stores on an interval. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DurationLearnerDeps {
  redis: Redis;
  keys: RedisKeys;
  config: DurationLearningSettings;
  log: Logger;
  now?: () => number;
}

/**
 * The optimizer is the one writer of keys.durations (DurationEstimatesV1). Every finished job
 * with a name and a run time counts, failed ones too: the replay learns the same way, and a
 * failing job still holds its runner for that long.
 */
export function createDurationLearner(deps: DurationLearnerDeps): DurationLearner {
  const log = deps.log.child({ component: "duration-learner" });
  const now = deps.now ?? Date.now;
  const book = createDurationBook(deps.config);
  let version = 0;
  let dirty = false;
  let timer: NodeJS.Timeout | null = null;

  async function store(): Promise<boolean> {
    if (!dirty) return false;
    dirty = false;
    const payload = validate(contracts.durationEstimates, { v: 1, version: ++version, estimates: book.snapshot(), at: now() });
    try {
      await deps.redis.set(deps.keys.durations, JSON.stringify(payload));
      return true;
    } catch (err) {
      dirty = true;
      throw err;
    }
  }

  return {
    book,
    store,
    observeOutcome(outcome) {
      if (outcome.phase !== "finished" || outcome.runSeconds === null || outcome.projectId === null || !outcome.jobName) return;
      book.record(durationKey(outcome.projectId, outcome.jobName), outcome.runSeconds);
      dirty = true;
    },
    async start() {
      const raw = await deps.redis.get(deps.keys.durations);
      if (raw !== null) {
        try {
          const stored = decode(contracts.durationEstimates, raw);
          book.load(stored.estimates);
          version = stored.version;
        } catch (err) {
          if (!(err instanceof ContractViolation)) throw err;
          log.warn({ reason: err.reason }, "stored duration estimates are invalid; starting empty");
        }
      }
      timer = setInterval(() => {
        store().catch((err: unknown) => log.warn({ err: (err as Error).message }, "storing duration estimates failed"));
      }, deps.config.storeIntervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await store().catch((err: unknown) => log.warn({ err: (err as Error).message }, "storing duration estimates failed"));
    },
  };
}
