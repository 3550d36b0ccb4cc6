import type { Redis } from "ioredis";
import type { RedisKeys } from "@switchyard/runtime";
import { QUEUE_DURATION_BUCKETS } from "./sli-metrics.js";

/** One job's queue-time observation, as stored in the running totals. */
export interface SliObservation {
  jobId: number;
  pool: string;
  jobClass: string;
  queueSeconds: number;
  exceeded: boolean;
  overTarget: boolean;
  atMs: number;
}

/** Durable per pool/class SLI totals in Redis, counting each job once. */
export interface SliSummaryStore {
  /** Adds the observation unless this job was already counted; true when it was new. */
  recordOnce(observation: SliObservation): Promise<boolean>;
}

// Marks the job and adds to the totals in one atomic step: a crash can lose an observation
// (the redelivered message then counts it) but never count it twice.
const RECORD_ONCE = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('HINCRBY', KEYS[2], 'jobs', 1)
redis.call('HINCRBY', KEYS[2], 'exceeded', ARGV[2])
redis.call('HINCRBY', KEYS[2], 'overTarget', ARGV[3])
redis.call('HINCRBYFLOAT', KEYS[2], 'queueSecondsSum', ARGV[4])
redis.call('HINCRBY', KEYS[2], ARGV[5], 1)
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[6])
redis.call('SADD', KEYS[3], ARGV[7])
return 1`;

/** The histogram bucket field a value falls in: the smallest upper bound it does not exceed. */
export function bucketField(seconds: number): string {
  const le = QUEUE_DURATION_BUCKETS.find((b) => seconds <= b);
  return `le:${le ?? "+Inf"}`;
}

/** Builds the store over the shared key layout; `seenTtlSeconds` bounds the dedupe memory. */
export function createSliSummaryStore(deps: { redis: Redis; keys: RedisKeys; seenTtlSeconds: number }): SliSummaryStore {
  return {
    async recordOnce(o) {
      const added = await deps.redis.eval(
        RECORD_ONCE, 3,
        deps.keys.sliObserved(String(o.jobId)), deps.keys.sliSummary(o.pool, o.jobClass), deps.keys.sliSummaryIndex,
        deps.seenTtlSeconds, o.exceeded ? 1 : 0, o.overTarget ? 1 : 0, o.queueSeconds, bucketField(o.queueSeconds),
        o.atMs, JSON.stringify({ pool: o.pool, jobClass: o.jobClass }),
      );
      return added === 1;
    },
  };
}
