import { runScript } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import type { DecisionSummary } from "@switchyard/contracts";
import type { PlacementJob } from "@switchyard/decision";
import type { RedisKeys } from "@switchyard/runtime";
import type { HandoffSlots } from "../protocol/job-payload.js";
import { keyPrefixes } from "./key-prefixes.js";
import { FORGET, TAKE_IN } from "./lua.js";

/**
 * What the broker knows about a held job, without its secrets: what placement reads
 * (libs/decision's PlacementJob: the scorer's view, the tier, the answers to its side questions)
 * plus the queue's own bookkeeping.
 */
export interface HeldJobMeta extends PlacementJob {
  weight: number;
  /** Arrival order in the pool, given by the take-in. */
  fifoSeq: number;
  /** Run time (s) the optimizer expected for this job's name when it arrived; null = unknown. */
  expectedDurationS?: number | null;
  /** GitLab's project_jobs_running_on_instance_runners_count ("0".."3+"), for the SLI's regexp. */
  projectJobsRunning: string | null;
  decisionId?: string;
  decisionRationale?: string;
  decisionMode?: string;
  /** The placing decision as learning needs it; the job's outcome carries it to the optimizer. */
  decisionSummary?: DecisionSummary;
  /** Where the hand-off rewrites the stored payload (protocol/job-payload.ts); absent = parse it. */
  handoffSlots?: HandoffSlots;
}

/** A held job's meta before its take-in gave it its place in the pool's arrival order. */
export type ArrivingJob = Omit<HeldJobMeta, "fifoSeq"> & { fifoSeq?: number };

/** An outcome to write to the outbox (outcome-outbox.ts) with the job's end. */
export interface OutboxWrite {
  key: string;
  msgId: string;
  json: string;
  maxEntries: number;
}

/** Jobs taken from GitLab and not finished: their payload, meta, queue entry and held entry. */
export interface HeldJobs {
  /** The take-in, one step: arrival sequence, payload, meta, queue, held set, deploy order. → the meta as stored. */
  enqueue(meta: ArrivingJob, payload: string): Promise<HeldJobMeta>;
  /** Writes a take-in again where Redis lost it (failover), unless the job is held or handed off there: → true when written. */
  restoreTakeIn(meta: ArrivingJob, payload: string): Promise<boolean>;
  /** The first `limit` queued jobs in queue-key order. */
  head(pool: string, limit: number): Promise<HeldJobMeta[]>;
  depth(pool: string): Promise<number>;
  heldCount(pool: string): Promise<number>;
  /** Held jobs (taken from GitLab, not yet finished) with their arrival time, oldest first. */
  heldJobs(pool: string): Promise<{ jobId: number; arrivedAt: number }[]>;
  meta(jobId: number): Promise<HeldJobMeta | null>;
  updateMeta(meta: HeldJobMeta): Promise<void>;
  payload(jobId: number): Promise<string | null>;
  /** Removes a job from the held set only (it is on a runner now). */
  dropHeld(pool: string, jobId: number): Promise<void>;
  /** Removes a job everywhere (finished, cancelled, failed); returns the runner it ran on, if any. */
  forget(pool: string, jobId: number): Promise<string | null>;
  /** Forgets a job and writes its outcome to the outbox in the same Redis step; false when the outbox was full. */
  end(pool: string, jobId: number, outcome: OutboxWrite): Promise<boolean>;
}

/** A stored meta, read back. The assigner wrote it (TAKE_IN, updateMeta): parsed, not validated. */
export const parseMeta = (raw: string | null | undefined): HeldJobMeta | null => (raw ? (JSON.parse(raw) as HeldJobMeta) : null);

/** The deploy-order key of a held job, or null when it deploys nowhere. */
export const deployKeyOf = (keys: RedisKeys, m: Pick<HeldJobMeta, "isDeploy" | "environment" | "projectId">) =>
  (m.isDeploy && m.environment ? keys.deployOrder(m.projectId, m.environment) : null);

export function createHeldJobs(redis: Redis, keys: RedisKeys): HeldJobs {
  const prefixes = keyPrefixes(keys);

  async function takeIn(meta: ArrivingJob, payload: string, onlyWhereMissing: boolean): Promise<number> {
    const deploys = deployKeyOf(keys, meta);
    const { fifoSeq, ...rest } = meta;
    const keyList = [keys.sequence(meta.pool), keys.jobs, keys.jobMeta, keys.queue(meta.pool), keys.held(meta.pool), keys.handoffs,
      ...(deploys ? [deploys] : [])];
    return Number(await runScript(redis, TAKE_IN, keyList.length, ...keyList, String(meta.jobId), payload, JSON.stringify(rest),
      String(meta.queueKey), String(meta.arrivedAt), onlyWhereMissing ? "1" : "", fifoSeq === undefined ? "" : String(fifoSeq)));
  }

  async function forgetWith(pool: string, jobId: number, outcome: OutboxWrite | null): Promise<{ runner: string | null; written: boolean }> {
    // Without an outcome the outbox key is still passed (scripts name every key they touch) and left alone.
    const [runner, written] = (await runScript(redis, FORGET, 8, keys.queue(pool), keys.held(pool), keys.jobs, keys.jobMeta,
      keys.handoffs, keys.runnerLoad, outcome?.key ?? keys.outcomeOutbox, keys.projectLoad(pool), String(jobId), outcome?.msgId ?? "",
      outcome?.json ?? "", String(outcome?.maxEntries ?? 0), prefixes.deployOrder)) as [string, number];
    return { runner: runner === "" ? null : runner, written: written === 1 };
  }

  return {
    async enqueue(meta, payload) {
      return { ...meta, fifoSeq: await takeIn(meta, payload, false) };
    },
    restoreTakeIn: async (meta, payload) => (await takeIn(meta, payload, true)) > 0,
    async head(pool, limit) {
      const ids = await redis.zrange(keys.queue(pool), 0, limit - 1);
      if (ids.length === 0) return [];
      return (await redis.hmget(keys.jobMeta, ...ids)).map(parseMeta).filter((m): m is HeldJobMeta => m !== null);
    },
    depth: (pool) => redis.zcard(keys.queue(pool)),
    heldCount: (pool) => redis.zcard(keys.held(pool)),
    async heldJobs(pool) {
      const flat = await redis.zrange(keys.held(pool), 0, -1, "WITHSCORES");
      const out: { jobId: number; arrivedAt: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ jobId: Number(flat[i]), arrivedAt: Number(flat[i + 1]) });
      return out;
    },
    meta: async (jobId) => parseMeta(await redis.hget(keys.jobMeta, String(jobId))),
    async updateMeta(meta) {
      await redis.hset(keys.jobMeta, String(meta.jobId), JSON.stringify(meta));
    },
    payload: (jobId) => redis.hget(keys.jobs, String(jobId)),
    async dropHeld(pool, jobId) {
      await redis.zrem(keys.held(pool), String(jobId));
    },
    forget: async (pool, jobId) => (await forgetWith(pool, jobId, null)).runner,
    end: async (pool, jobId, outcome) => (await forgetWith(pool, jobId, outcome)).written,
  };
}
