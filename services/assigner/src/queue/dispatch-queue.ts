import type { Redis } from "ioredis";
import type { LlmTieBreak } from "@switchyard/contracts";
import type { PlacementJob } from "@switchyard/decision";
import type { RedisKeys } from "@switchyard/runtime";
import { COLLECT, EXPIRE_RESERVATION, FORGET, RESERVE, UNDO_HANDOFF } from "./lua.js";

/**
 * What the broker knows about a held job, without its secrets: what placement reads
 * (libs/decision's PlacementJob: the scorer's view, the tier, the answers to its side questions)
 * plus the queue's own bookkeeping.
 */
export interface HeldJobMeta extends PlacementJob {
  weight: number;
  fifoSeq: number;
  /** Run time (s) the optimizer expected for this job's name when it arrived; null = unknown. */
  expectedDurationS?: number | null;
  /** GitLab's project_jobs_running_on_instance_runners_count ("0".."3+"), for the SLI's regexp. */
  projectJobsRunning: string | null;
  decisionId?: string;
  decisionRationale?: string;
  decisionMode?: string;
}

/** The recorded LLM tie-break for a job. */
export type LlmRecord = LlmTieBreak;

/** A job collected by a runner: the GitLab payload to hand down and its metadata. */
export interface CollectedJob {
  jobId: number;
  payload: string;
  meta: HeldJobMeta | null;
}

/** The per-pool priority queue, reservations and hand-off record, all in Redis. */
export interface DispatchQueue {
  enqueue(meta: HeldJobMeta, payload: string): Promise<void>;
  /** The first `limit` queued jobs in queue-key order. */
  head(pool: string, limit: number): Promise<HeldJobMeta[]>;
  depth(pool: string): Promise<number>;
  heldCount(pool: string): Promise<number>;
  /** Atomically moves a queued job to a runner's reservations; false if another replica took it. */
  reserve(pool: string, jobId: number, runnerId: string, deadlineMs: number): Promise<boolean>;
  /** Atomically takes the runner's next reservation as its hand-off (exactly once). */
  collect(runnerId: string): Promise<CollectedJob | null>;
  /** Returns reservations past their deadline to their queue; → how many. */
  expireReservations(now: number): Promise<number>;
  /** Puts back a job whose hand-off response never reached the runner. */
  undoHandoff(jobId: number, runnerId: string): Promise<boolean>;
  markAcked(jobId: number): Promise<string | null>;
  handoffOf(jobId: number): Promise<{ runnerId: string; at: number; acked: boolean } | null>;
  /** Jobs handed off but not acknowledged by their runner before `olderThan`. */
  unackedHandoffs(olderThan: number): Promise<{ jobId: number; runnerId: string }[]>;
  /** Every hand-off made before `olderThan`, acknowledged or not. */
  handoffsBefore(olderThan: number): Promise<{ jobId: number; runnerId: string; at: number; acked: boolean }[]>;
  /** Removes a job everywhere (finished, cancelled, failed); returns the runner it ran on, if any. */
  forget(pool: string, jobId: number): Promise<string | null>;
  /** Held jobs (taken from GitLab, not yet finished) with their arrival time, oldest first. */
  heldJobs(pool: string): Promise<{ jobId: number; arrivedAt: number }[]>;
  meta(jobId: number): Promise<HeldJobMeta | null>;
  /** Removes a job from the held set only (it is on a runner now). */
  dropHeld(pool: string, jobId: number): Promise<void>;
  updateMeta(meta: HeldJobMeta): Promise<void>;
  payload(jobId: number): Promise<string | null>;
  nextFifoSeq(pool: string): Promise<number>;
  /** For a deploy: whether no earlier deploy to the same project and environment is still held. */
  isOldestDeploy(meta: HeldJobMeta): Promise<boolean>;
  /** Records a top-class dispatch against its project's hourly budget. */
  recordHighClass(pool: string, projectId: number, jobId: number, now: number): Promise<void>;
  /** Top-class jobs each project had dispatched in the last hour. */
  highClassUsage(pool: string, now: number): Promise<Map<number, number>>;
  /** Jobs per project running on this pool's runners (for fair scheduling). */
  projectLoad(pool: string): Promise<Map<number, number>>;
  /** The runner's long-poll version, echoed to it as X-GitLab-Last-Update. */
  runnerVersion(runnerId: string): Promise<string>;
  /** Records that a runner is asking for work now (the free-slot signal). */
  markPolling(pool: string, runnerId: string, now: number): Promise<void>;
  unmarkPolling(pool: string, runnerId: string): Promise<void>;
  /** How many runners asked for work since `since` (cheaper than listing them). */
  pollingCount(pool: string, since: number): Promise<number>;
  /** Drops runners that stopped asking without saying so (their broker died). */
  prunePolling(pool: string, since: number): Promise<void>;
  /** Runners that asked for work since `since`, longest-waiting first. */
  pollingRunners(pool: string, since: number): Promise<string[]>;
}

const HOUR_MS = 3_600_000;

export function createDispatchQueue(redis: Redis, keys: RedisKeys): DispatchQueue {
  const parseMeta = (raw: string | null | undefined): HeldJobMeta | null => (raw ? (JSON.parse(raw) as HeldJobMeta) : null);

  async function metas(ids: string[]): Promise<HeldJobMeta[]> {
    if (ids.length === 0) return [];
    const raws = await redis.hmget(keys.jobMeta, ...ids);
    return raws.map(parseMeta).filter((m): m is HeldJobMeta => m !== null);
  }

  const deployKey = (m: HeldJobMeta) => (m.isDeploy && m.environment ? keys.deployOrder(m.projectId, m.environment) : null);

  async function handoffsBefore(olderThan: number): Promise<{ jobId: number; runnerId: string; at: number; acked: boolean }[]> {
    const out: { jobId: number; runnerId: string; at: number; acked: boolean }[] = [];
    for (const [jobId, h] of Object.entries(await redis.hgetall(keys.handoffs))) {
      const [runnerId, at, acked] = h.split("|") as [string, string, string];
      if (Number(at) < olderThan) out.push({ jobId: Number(jobId), runnerId, at: Number(at), acked: acked === "1" });
    }
    return out;
  }

  return {
    async enqueue(meta, payload) {
      const deploys = deployKey(meta);
      // GitLab job ids grow with creation time: the lower id is the earlier commit's deploy.
      if (deploys) await redis.zadd(deploys, meta.jobId, String(meta.jobId));
      await redis.multi()
        .hset(keys.jobs, String(meta.jobId), payload)
        .hset(keys.jobMeta, String(meta.jobId), JSON.stringify(meta))
        .zadd(keys.queue(meta.pool), meta.queueKey, String(meta.jobId))
        .zadd(keys.held(meta.pool), meta.arrivedAt, String(meta.jobId))
        .exec();
    },
    async head(pool, limit) {
      return metas(await redis.zrange(keys.queue(pool), 0, limit - 1));
    },
    depth: (pool) => redis.zcard(keys.queue(pool)),
    heldCount: (pool) => redis.zcard(keys.held(pool)),
    async reserve(pool, jobId, runnerId, deadlineMs) {
      const ok = await redis.eval(RESERVE, 4, keys.queue(pool), keys.reserved(runnerId), keys.reservationDeadlines,
        keys.runnerVersions, String(jobId), runnerId, String(deadlineMs));
      return ok === 1;
    },
    async collect(runnerId) {
      const result = (await redis.eval(COLLECT, 6, keys.reserved(runnerId), keys.reservationDeadlines, keys.handoffs,
        keys.jobs, keys.runnerLoad, keys.jobMeta, runnerId, String(Date.now()))) as [string, string, string] | null;
      if (!result) return null;
      const meta = parseMeta(result[2]);
      // Off the held set: the job is the runner's now, and no longer counts against the look-ahead.
      if (meta) {
        const tx = redis.multi().hincrby(keys.projectLoad(meta.pool), String(meta.projectId), 1)
          .zrem(keys.held(meta.pool), String(meta.jobId));
        const deploys = deployKey(meta);
        if (deploys) tx.zrem(deploys, String(meta.jobId));
        await tx.exec();
      }
      return { jobId: Number(result[0]), payload: result[1], meta };
    },
    async expireReservations(now) {
      const due = await redis.zrangebyscore(keys.reservationDeadlines, "-inf", now);
      let requeued = 0;
      for (const member of due) {
        const [jobId, runnerId] = member.split("|") as [string, string];
        const meta = parseMeta(await redis.hget(keys.jobMeta, jobId));
        if (!meta) { await redis.zrem(keys.reservationDeadlines, member); continue; }
        const ok = await redis.eval(EXPIRE_RESERVATION, 3, keys.reservationDeadlines, keys.reserved(runnerId),
          keys.queue(meta.pool), member, jobId, String(meta.queueKey));
        if (ok === 1) requeued++;
      }
      return requeued;
    },
    async undoHandoff(jobId, runnerId) {
      const meta = parseMeta(await redis.hget(keys.jobMeta, String(jobId)));
      if (!meta) return false;
      const ok = await redis.eval(UNDO_HANDOFF, 3, keys.handoffs, keys.runnerLoad, keys.queue(meta.pool),
        String(jobId), runnerId, String(meta.queueKey));
      if (ok !== 1) return false;
      const tx = redis.multi().zadd(keys.held(meta.pool), meta.arrivedAt, String(jobId))
        .hincrby(keys.projectLoad(meta.pool), String(meta.projectId), -1);
      const deploys = deployKey(meta);
      if (deploys) tx.zadd(deploys, meta.jobId, String(jobId));
      await tx.exec();
      return true;
    },
    async markAcked(jobId) {
      const h = await redis.hget(keys.handoffs, String(jobId));
      if (!h) return null;
      const [runnerId, at] = h.split("|") as [string, string];
      if (!h.endsWith("|1")) await redis.hset(keys.handoffs, String(jobId), `${runnerId}|${at}|1`);
      return runnerId;
    },
    async handoffOf(jobId) {
      const h = await redis.hget(keys.handoffs, String(jobId));
      if (!h) return null;
      const [runnerId, at, acked] = h.split("|") as [string, string, string];
      return { runnerId, at: Number(at), acked: acked === "1" };
    },
    async unackedHandoffs(olderThan) {
      return (await handoffsBefore(olderThan)).filter((h) => !h.acked).map(({ jobId, runnerId }) => ({ jobId, runnerId }));
    },
    handoffsBefore,
    async forget(pool, jobId) {
      const meta = parseMeta(await redis.hget(keys.jobMeta, String(jobId)));
      const wasHandedOff = (await redis.hexists(keys.handoffs, String(jobId))) === 1;
      if (meta && wasHandedOff) await redis.hincrby(keys.projectLoad(pool), String(meta.projectId), -1);
      const deploys = meta ? deployKey(meta) : null;
      if (deploys) await redis.zrem(deploys, String(jobId));
      const runner = (await redis.eval(FORGET, 6, keys.queue(pool), keys.held(pool), keys.jobs, keys.jobMeta,
        keys.handoffs, keys.runnerLoad, String(jobId))) as string;
      return runner === "" ? null : runner;
    },
    async heldJobs(pool) {
      const flat = await redis.zrange(keys.held(pool), 0, -1, "WITHSCORES");
      const out: { jobId: number; arrivedAt: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ jobId: Number(flat[i]), arrivedAt: Number(flat[i + 1]) });
      return out;
    },
    async dropHeld(pool, jobId) {
      await redis.zrem(keys.held(pool), String(jobId));
    },
    meta: async (jobId) => parseMeta(await redis.hget(keys.jobMeta, String(jobId))),
    async updateMeta(meta) {
      await redis.hset(keys.jobMeta, String(meta.jobId), JSON.stringify(meta));
    },
    payload: (jobId) => redis.hget(keys.jobs, String(jobId)),
    nextFifoSeq: (pool) => redis.incr(keys.sequence(pool)),
    async isOldestDeploy(meta) {
      const deploys = deployKey(meta);
      if (!deploys) return true;
      const [oldest] = await redis.zrange(deploys, 0, 0);
      return oldest === undefined || oldest === String(meta.jobId);
    },
    async recordHighClass(pool, projectId, jobId, now) {
      await redis.multi()
        .zadd(keys.highClassDispatches(pool), now, `${projectId}:${jobId}`)
        .zremrangebyscore(keys.highClassDispatches(pool), "-inf", now - HOUR_MS)
        .exec();
    },
    async highClassUsage(pool, now) {
      const usage = new Map<number, number>();
      for (const member of await redis.zrangebyscore(keys.highClassDispatches(pool), now - HOUR_MS, "+inf")) {
        const projectId = Number(member.slice(0, member.indexOf(":")));
        usage.set(projectId, (usage.get(projectId) ?? 0) + 1);
      }
      return usage;
    },
    async projectLoad(pool) {
      const raw = await redis.hgetall(keys.projectLoad(pool));
      return new Map(Object.entries(raw).map(([k, v]) => [Number(k), Math.max(0, Number(v))]));
    },
    async runnerVersion(runnerId) {
      return `v${(await redis.hget(keys.runnerVersions, runnerId)) ?? "0"}`;
    },
    async markPolling(pool, runnerId, now) {
      // NX keeps the first ask time, so FIFO serves the longest-waiting runner first.
      await redis.zadd(keys.polling(pool), "NX", now, runnerId);
    },
    async unmarkPolling(pool, runnerId) {
      await redis.zrem(keys.polling(pool), runnerId);
    },
    pollingRunners: (pool, since) => redis.zrangebyscore(keys.polling(pool), since, "+inf"),
    pollingCount: (pool, since) => redis.zcount(keys.polling(pool), since, "+inf"),
    async prunePolling(pool, since) {
      await redis.zremrangebyscore(keys.polling(pool), "-inf", `(${since}`);
    },
  };
}
