import type { Redis } from "ioredis";
import { decodeHighClassDispatch, encodeHighClassDispatch, HIGH_CLASS_RETENTION_MS } from "@switchyard/contracts";
import type { RedisKeys } from "@switchyard/runtime";
import { deployKeyOf, type HeldJobMeta } from "./held-jobs.js";

/**
 * What fair scheduling counts, per pool: jobs per project on runners, top-class dispatches against the
 * hourly budget, the order of deploys per project and environment, and the arrival sequence. The
 * transitions write it in their own scripts (lua.ts); these are its readers, and the writes a test or a
 * tool may make alone.
 */
export interface FairnessLedger {
  /** The next arrival sequence of the pool (the take-in draws its own). */
  nextFifoSeq(pool: string): Promise<number>;
  /** For a deploy: whether no earlier deploy to the same project and environment is still held. */
  isOldestDeploy(meta: HeldJobMeta): Promise<boolean>;
  /** Records a top-class dispatch against its project's hourly budget (and, with its weight, as an urgent start for the warm reserve). */
  recordHighClass(pool: string, projectId: number, jobId: number, weight: number, now: number): Promise<void>;
  /** Top-class jobs each project had dispatched in the last hour. */
  highClassUsage(pool: string, now: number): Promise<Map<number, number>>;
  /** Jobs per project running on this pool's runners (for fair scheduling). */
  projectLoad(pool: string): Promise<Map<number, number>>;
}

/** The top-class budget's window. */
export const HIGH_CLASS_WINDOW_MS = 3_600_000;

/** Top-class dispatches per project, from `<p>:high-class:<pool>` members of the window. */
export function highClassCounts(members: readonly string[]): Map<number, number> {
  const usage = new Map<number, number>();
  for (const member of members) {
    const d = decodeHighClassDispatch(member);
    if (d) usage.set(d.projectId, (usage.get(d.projectId) ?? 0) + 1);
  }
  return usage;
}

/** Project load from `<p>:project-load:<pool>` as field/value pairs; a count below zero reads as 0. */
export function projectLoadOf(entries: Iterable<[string, string]>): Map<number, number> {
  return new Map([...entries].map(([k, v]) => [Number(k), Math.max(0, Number(v))]));
}

/** The member a top-class dispatch leaves in `<p>:high-class:<pool>`, and the oldest time kept there. */
export const highClassEntry = (projectId: number, jobId: number, weight: number, now: number) => ({
  member: encodeHighClassDispatch({ projectId, jobId, weight }),
  // Kept a day, not the budget's hour: the optimizer's warm reserve sizes itself from these starts.
  keepFrom: now - HIGH_CLASS_RETENTION_MS,
});

export function createFairnessLedger(redis: Redis, keys: RedisKeys): FairnessLedger {
  return {
    nextFifoSeq: (pool) => redis.incr(keys.sequence(pool)),
    async isOldestDeploy(meta) {
      const deploys = deployKeyOf(keys, meta);
      if (!deploys) return true;
      const [oldest] = await redis.zrange(deploys, 0, 0);
      return oldest === undefined || oldest === String(meta.jobId);
    },
    async recordHighClass(pool, projectId, jobId, weight, now) {
      const { member, keepFrom } = highClassEntry(projectId, jobId, weight, now);
      await redis.multi()
        .zadd(keys.highClassDispatches(pool), now, member)
        .zremrangebyscore(keys.highClassDispatches(pool), "-inf", keepFrom)
        .exec();
    },
    highClassUsage: async (pool, now) =>
      highClassCounts(await redis.zrangebyscore(keys.highClassDispatches(pool), now - HIGH_CLASS_WINDOW_MS, "+inf")),
    projectLoad: async (pool) => projectLoadOf(Object.entries(await redis.hgetall(keys.projectLoad(pool)))),
  };
}
