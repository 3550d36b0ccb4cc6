import type { Redis } from "ioredis";
import type { RedisKeys } from "@switchyard/runtime";

/** One runner's load, from the monitor's RunnerStateV1 in `keys.runners`. */
export interface RunnerLoad {
  runnerId: string;
  running: number;
  /** 0 = unlimited (the monitor's convention). */
  limit: number;
  draining: boolean;
}

/** A pool's capacity and backlog at one moment. */
export interface PoolSnapshot {
  pool: string;
  runners: RunnerLoad[];
  jobsRunning: number;
  /** Sum of runner limits; null when any runner is unlimited. */
  jobLimit: number | null;
  /** Waiting jobs per class, with the class weight (highest first). */
  backlog: { jobClass: string; weight: number; waiting: number }[];
  oldestWaitSeconds: number;
  at: number;
}

interface MetaLike { jobClass?: unknown; weight?: unknown; arrivedAt?: unknown }

const UNCLASSIFIED = "unclassified";

/** Reads runners, queue and job metadata of one pool from the shared Redis layout. */
export async function readPoolSnapshot(redis: Redis, keys: RedisKeys, pool: string, now: number): Promise<PoolSnapshot> {
  const [snapshot] = await readPoolSnapshots(redis, keys, [pool], now, { withRunnersPools: false });
  return snapshot!;
}

/**
 * Snapshots of the given pools and, unless told otherwise, of every pool a runner state names:
 * the runner states are read once for all of them. Sorted by pool name.
 */
export async function readPoolSnapshots(
  redis: Redis, keys: RedisKeys, pools: readonly string[], now: number, options: { withRunnersPools: boolean } = { withRunnersPools: true },
): Promise<PoolSnapshot[]> {
  const runnersByPool = new Map<string, RunnerLoad[]>(pools.map((p) => [p, []]));
  for (const raw of await redis.hvals(keys.runners)) {
    const s = safeJson(raw) as { runnerId?: unknown; pool?: unknown; running?: unknown; limit?: unknown; draining?: unknown } | null;
    if (!s || typeof s.pool !== "string" || typeof s.runnerId !== "string") continue;
    if (!runnersByPool.has(s.pool) && !options.withRunnersPools) continue;
    const list = runnersByPool.get(s.pool) ?? [];
    list.push({ runnerId: s.runnerId, running: num(s.running), limit: num(s.limit), draining: s.draining === true });
    runnersByPool.set(s.pool, list);
  }
  const names = [...runnersByPool.keys()].sort();
  return Promise.all(names.map(async (pool) => snapshotOf(redis, keys, pool, runnersByPool.get(pool) ?? [], now)));
}

async function snapshotOf(redis: Redis, keys: RedisKeys, pool: string, runners: RunnerLoad[], now: number): Promise<PoolSnapshot> {
  const jobIds = await redis.zrange(keys.queue(pool), 0, -1);
  const metas = jobIds.length > 0 ? await redis.hmget(keys.jobMeta, ...jobIds) : [];
  const classes = new Map<string, { jobClass: string; weight: number; waiting: number }>();
  let oldest = now;
  for (const raw of metas) {
    const m = (raw ? safeJson(raw) : null) as MetaLike | null;
    const jobClass = typeof m?.jobClass === "string" ? m.jobClass : UNCLASSIFIED;
    const entry = classes.get(jobClass) ?? { jobClass, weight: num(m?.weight), waiting: 0 };
    entry.waiting += 1;
    classes.set(jobClass, entry);
    if (typeof m?.arrivedAt === "number" && m.arrivedAt < oldest) oldest = m.arrivedAt;
  }
  return {
    pool,
    runners,
    jobsRunning: runners.reduce((s, r) => s + r.running, 0),
    jobLimit: runners.some((r) => r.limit === 0) ? null : runners.reduce((s, r) => s + r.limit, 0),
    backlog: [...classes.values()].sort((a, b) => b.weight - a.weight || a.jobClass.localeCompare(b.jobClass)),
    oldestWaitSeconds: Math.max(0, (now - oldest) / 1000),
    at: now,
  };
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
