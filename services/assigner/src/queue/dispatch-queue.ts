import type { Redis } from "ioredis";
import {
  decodeHandoff, decodeHighClassDispatch, encodeHighClassDispatch, HIGH_CLASS_RETENTION_MS, type DecisionSummary,
} from "@switchyard/contracts";
import type { PlacementJob } from "@switchyard/decision";
import type { RedisKeys } from "@switchyard/runtime";
import { COLLECT, EXPIRE_RESERVATION, FORGET, MARK_ACKED, RESERVE, RESTORE_HANDOFF, RESTORE_TAKE_IN, UNDO_HANDOFF } from "./lua.js";

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
  /** The placing decision as learning needs it; the job's outcome carries it to the optimizer. */
  decisionSummary?: DecisionSummary;
}

/** A job collected by a runner: the GitLab payload to hand down and its metadata. */
export interface CollectedJob {
  jobId: number;
  payload: string;
  meta: HeldJobMeta | null;
}

/**
 * One held `jobs/request` of a downstream runner: one free slot. gitlab-runner holds up to
 * `request_concurrency` of them per token at once, and several managers (`system_id`s) may share a token.
 */
export interface RunnerPoll {
  pool: string;
  runnerId: string;
  systemId: string;
  /** Unique per poll across replicas (broker instance + sequence). */
  pollId: string;
}

/** A runner asking for work and how many jobs it can take now (its held polls less its reservations). */
export interface PollingRunner {
  runnerId: string;
  slots: number;
}

/** An outcome to write to the outbox (outcome-outbox.ts) with the job's end. */
export interface OutboxWrite {
  key: string;
  msgId: string;
  json: string;
  maxEntries: number;
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
  /** Atomically takes the runner's next reservation as its hand-off (exactly once); the collecting poll stops counting as a slot. */
  collect(runnerId: string, poll?: RunnerPoll): Promise<CollectedJob | null>;
  /** Returns reservations past their deadline to their queue; → how many. */
  expireReservations(now: number): Promise<number>;
  /** Puts back a job whose hand-off response never reached the runner. */
  undoHandoff(jobId: number, runnerId: string): Promise<boolean>;
  markAcked(jobId: number): Promise<string | null>;
  /** Writes a take-in again where Redis lost it (failover), unless the job is held or handed off there: → true when written. */
  restoreTakeIn(meta: HeldJobMeta, payload: string): Promise<boolean>;
  /**
   * Writes a collected job's hand-off again where Redis lost it (failover), before the runner is answered:
   * "present" (this runner's, as it should be), "restored", or "taken" (another runner has it now).
   */
  restoreHandoff(runnerId: string, job: CollectedJob): Promise<"present" | "restored" | "taken">;
  handoffOf(jobId: number): Promise<{ runnerId: string; at: number; acked: boolean } | null>;
  /** Jobs handed off but not acknowledged by their runner before `olderThan`. */
  unackedHandoffs(olderThan: number): Promise<{ jobId: number; runnerId: string }[]>;
  /** Every hand-off made before `olderThan`, acknowledged or not. */
  handoffsBefore(olderThan: number): Promise<{ jobId: number; runnerId: string; at: number; acked: boolean }[]>;
  /** Removes a job everywhere (finished, cancelled, failed); returns the runner it ran on, if any. */
  forget(pool: string, jobId: number): Promise<string | null>;
  /** Forgets a job and writes its outcome to the outbox in the same Redis step; false when the outbox was full. */
  end(pool: string, jobId: number, outcome: OutboxWrite): Promise<boolean>;
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
  /** Records a top-class dispatch against its project's hourly budget (and, with its weight, as an urgent start for the warm reserve). */
  recordHighClass(pool: string, projectId: number, jobId: number, weight: number, now: number): Promise<void>;
  /** Top-class jobs each project had dispatched in the last hour. */
  highClassUsage(pool: string, now: number): Promise<Map<number, number>>;
  /** Jobs per project running on this pool's runners (for fair scheduling). */
  projectLoad(pool: string): Promise<Map<number, number>>;
  /** The runner's long-poll version, echoed to it as X-GitLab-Last-Update. */
  runnerVersion(runnerId: string): Promise<string>;
  /** Records that a runner's poll is asking for work now (one free slot). */
  markPolling(poll: RunnerPoll, now: number): Promise<void>;
  unmarkPolling(poll: RunnerPoll): Promise<void>;
  /** Free downstream slots of the pool: polls asking since `since`, less the jobs reserved for their runners. */
  pollingCount(pool: string, since: number): Promise<number>;
  /** Drops polls that stopped asking without saying so (their broker died). */
  prunePolling(pool: string, since: number): Promise<void>;
  /** Runners with a free slot (a poll since `since` not yet covered by a reservation), longest-waiting first. */
  pollingRunners(pool: string, since: number): Promise<PollingRunner[]>;
}

const HOUR_MS = 3_600_000;

/** A poll's member in `<p>:polling:<pool>`; the runner id comes first, as in every `|` record here. */
const pollMember = (poll: RunnerPoll) => `${poll.runnerId}|${poll.systemId}|${poll.pollId}`;

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
      const handoff = decodeHandoff(h);
      if (handoff && handoff.handedAt < olderThan) out.push({ jobId: Number(jobId), runnerId: handoff.runnerId, at: handoff.handedAt, acked: handoff.acked });
    }
    return out;
  }

  async function pollingRunners(pool: string, since: number): Promise<PollingRunner[]> {
    const polls = new Map<string, number>();
    for (const member of await redis.zrangebyscore(keys.polling(pool), since, "+inf")) {
      const bar = member.indexOf("|");
      const runnerId = bar < 0 ? member : member.slice(0, bar);
      polls.set(runnerId, (polls.get(runnerId) ?? 0) + 1);
    }
    if (polls.size === 0) return [];
    const tx = redis.pipeline();
    for (const runnerId of polls.keys()) tx.llen(keys.reserved(runnerId));
    const reserved = (await tx.exec()) ?? [];
    return [...polls].map(([runnerId, n], i) => ({ runnerId, slots: n - Number(reserved[i]?.[1] ?? 0) }))
      .filter((r) => r.slots > 0);
  }

  async function forgetWith(pool: string, jobId: number, outcome: OutboxWrite | null): Promise<{ runner: string | null; written: boolean }> {
    const meta = parseMeta(await redis.hget(keys.jobMeta, String(jobId)));
    const wasHandedOff = (await redis.hexists(keys.handoffs, String(jobId))) === 1;
    if (meta && wasHandedOff) await redis.hincrby(keys.projectLoad(pool), String(meta.projectId), -1);
    const deploys = meta ? deployKey(meta) : null;
    if (deploys) await redis.zrem(deploys, String(jobId));
    // Without an outcome the outbox key is still passed (scripts name every key they touch) and left alone.
    const [runner, written] = (await redis.eval(FORGET, 7, keys.queue(pool), keys.held(pool), keys.jobs, keys.jobMeta,
      keys.handoffs, keys.runnerLoad, outcome?.key ?? keys.outcomeOutbox, String(jobId), outcome?.msgId ?? "", outcome?.json ?? "",
      String(outcome?.maxEntries ?? 0))) as [string, number];
    return { runner: runner === "" ? null : runner, written: written === 1 };
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
    async collect(runnerId, poll) {
      const result = (await redis.eval(COLLECT, 7, keys.reserved(runnerId), keys.reservationDeadlines, keys.handoffs,
        keys.jobs, keys.runnerLoad, keys.jobMeta, keys.polling(poll?.pool ?? ""), runnerId, String(Date.now()),
        poll ? pollMember(poll) : "")) as [string, string, string] | null;
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
      const raw = (await redis.eval(MARK_ACKED, 1, keys.handoffs, String(jobId))) as string | null;
      return (raw ? decodeHandoff(raw) : undefined)?.runnerId ?? null;
    },
    async restoreTakeIn(meta, payload) {
      const written = await redis.eval(RESTORE_TAKE_IN, 5, keys.jobs, keys.jobMeta, keys.queue(meta.pool), keys.held(meta.pool),
        keys.handoffs, String(meta.jobId), payload, JSON.stringify(meta), String(meta.queueKey), String(meta.arrivedAt));
      const deploys = deployKey(meta);
      if (written === 1 && deploys) await redis.zadd(deploys, meta.jobId, String(meta.jobId));
      return written === 1;
    },
    async restoreHandoff(runnerId, job) {
      const pool = job.meta?.pool ?? "";
      const found = await redis.eval(RESTORE_HANDOFF, 9, keys.handoffs, keys.jobs, keys.jobMeta, keys.runnerLoad, keys.queue(pool),
        keys.reserved(runnerId), keys.reservationDeadlines, keys.held(pool), keys.projectLoad(pool), String(job.jobId), runnerId,
        String(Date.now()), job.payload, job.meta ? JSON.stringify(job.meta) : "", job.meta ? String(job.meta.projectId) : "");
      const deploys = job.meta ? deployKey(job.meta) : null;
      if (found === 2 && deploys) await redis.zrem(deploys, String(job.jobId));
      return found === 2 ? "restored" : found === 1 ? "present" : "taken";
    },
    async handoffOf(jobId) {
      const raw = await redis.hget(keys.handoffs, String(jobId));
      const h = raw ? decodeHandoff(raw) : undefined;
      return h ? { runnerId: h.runnerId, at: h.handedAt, acked: h.acked } : null;
    },
    async unackedHandoffs(olderThan) {
      return (await handoffsBefore(olderThan)).filter((h) => !h.acked).map(({ jobId, runnerId }) => ({ jobId, runnerId }));
    },
    handoffsBefore,
    async forget(pool, jobId) {
      return (await forgetWith(pool, jobId, null)).runner;
    },
    async end(pool, jobId, outcome) {
      return (await forgetWith(pool, jobId, outcome)).written;
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
    async recordHighClass(pool, projectId, jobId, weight, now) {
      // Kept a day, not the budget's hour: the optimizer's warm reserve sizes itself from these starts.
      await redis.multi()
        .zadd(keys.highClassDispatches(pool), now, encodeHighClassDispatch({ projectId, jobId, weight }))
        .zremrangebyscore(keys.highClassDispatches(pool), "-inf", now - HIGH_CLASS_RETENTION_MS)
        .exec();
    },
    async highClassUsage(pool, now) {
      const usage = new Map<number, number>();
      for (const member of await redis.zrangebyscore(keys.highClassDispatches(pool), now - HOUR_MS, "+inf")) {
        const d = decodeHighClassDispatch(member);
        if (d) usage.set(d.projectId, (usage.get(d.projectId) ?? 0) + 1);
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
    async markPolling(poll, now) {
      // Scored by when the poll began asking, so FIFO serves the longest-waiting runner first.
      await redis.zadd(keys.polling(poll.pool), "NX", now, pollMember(poll));
    },
    async unmarkPolling(poll) {
      await redis.zrem(keys.polling(poll.pool), pollMember(poll));
    },
    pollingRunners,
    pollingCount: async (pool, since) => (await pollingRunners(pool, since)).reduce((n, r) => n + r.slots, 0),
    async prunePolling(pool, since) {
      await redis.zremrangebyscore(keys.polling(pool), "-inf", `(${since}`);
    },
  };
}
