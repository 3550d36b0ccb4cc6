import type { Redis } from "ioredis";
import type { RedisKeys } from "@switchyard/runtime";
import { HeldJobMetaV1, type HeldJobMetaView } from "@switchyard/contracts";

/** How many queued jobs per pool the dashboard reads (the depth is always exact). */
export const QUEUE_READ_LIMIT = 500;

/** The part of the assigner's job metadata the dashboard shows (libs/contracts' HeldJobMetaV1). */
export const jobMetaView = HeldJobMetaV1;
export type JobMetaView = HeldJobMetaView;

/** One job class waiting in a pool. */
export interface ClassBacklog {
  jobClass: string;
  waiting: number;
  oldestArrivedAt: number;
}

/** One pool's queue: exact depth, per-class backlog and the head in queue order. */
export interface PoolQueue {
  pool: string;
  depth: number;
  classes: ClassBacklog[];
  head: JobMetaView[];
}

/** Parses job metadata JSON, or null when it is missing or unreadable. */
export function parseJobMeta(raw: string | null): JobMetaView | null {
  if (!raw) return null;
  try {
    const parsed = jobMetaView.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Reads each pool's queue ZSET and the metadata of its jobs; classes sorted by oldest wait. */
export async function readQueues(redis: Redis, keys: RedisKeys, pools: readonly string[], headSize: number): Promise<PoolQueue[]> {
  return Promise.all(pools.map(async (pool): Promise<PoolQueue> => {
    const [depth, ids] = await Promise.all([
      redis.zcard(keys.queue(pool)),
      redis.zrange(keys.queue(pool), 0, QUEUE_READ_LIMIT - 1),
    ]);
    const metas = ids.length > 0 ? (await redis.hmget(keys.jobMeta, ...ids)).map(parseJobMeta) : [];
    const byClass = new Map<string, ClassBacklog>();
    for (const meta of metas) {
      if (!meta) continue;
      const entry = byClass.get(meta.jobClass) ?? { jobClass: meta.jobClass, waiting: 0, oldestArrivedAt: meta.arrivedAt };
      entry.waiting += 1;
      entry.oldestArrivedAt = Math.min(entry.oldestArrivedAt, meta.arrivedAt);
      byClass.set(meta.jobClass, entry);
    }
    const unknown = ids.length - metas.filter(Boolean).length;
    const classes = [...byClass.values()].sort((a, b) => a.oldestArrivedAt - b.oldestArrivedAt);
    if (unknown > 0) classes.push({ jobClass: "(no metadata)", waiting: unknown, oldestArrivedAt: Number.NaN });
    return { pool, depth, classes, head: metas.filter((m): m is JobMetaView => m !== null).slice(0, headSize) };
  }));
}
