import type { Redis } from "ioredis";
import { QueuedJobLoadV1, RunnerLoadV1 } from "@switchyard/contracts";
import type { RecordReader, RedisKeys } from "@switchyard/runtime";

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
  /** Waiting jobs per class, with the class weight (highest first) and when each became pending. */
  backlog: { jobClass: string; weight: number; waiting: number; arrivedAt: number[] }[];
  oldestWaitSeconds: number;
  at: number;
}

const UNCLASSIFIED = "unclassified";

/**
 * Reads runners, queue and job metadata of one pool from the shared Redis layout, through `records`
 * (the agent's reader: a record that fails its schema is counted and skipped).
 */
export async function readPoolSnapshot(redis: Redis, keys: RedisKeys, records: RecordReader, pool: string, now: number): Promise<PoolSnapshot> {
  const [snapshot] = await readPoolSnapshots(redis, keys, records, [pool], now, { withRunnersPools: false });
  return snapshot!;
}

/**
 * Snapshots of the given pools and, unless told otherwise, of every pool a runner state names:
 * the runner states are read once for all of them. Sorted by pool name.
 */
export async function readPoolSnapshots(
  redis: Redis, keys: RedisKeys, records: RecordReader, pools: readonly string[], now: number, options: { withRunnersPools: boolean } = { withRunnersPools: true },
): Promise<PoolSnapshot[]> {
  const runnersByPool = new Map<string, RunnerLoad[]>(pools.map((p) => [p, []]));
  for (const raw of await redis.hvals(keys.runners)) {
    const s = records.json("runner.state", RunnerLoadV1, raw);
    if (!s) continue;
    if (!runnersByPool.has(s.pool) && !options.withRunnersPools) continue;
    const list = runnersByPool.get(s.pool) ?? [];
    list.push({ runnerId: s.runnerId, running: s.running, limit: s.limit, draining: s.draining });
    runnersByPool.set(s.pool, list);
  }
  const names = [...runnersByPool.keys()].sort();
  return Promise.all(names.map(async (pool) => snapshotOf(redis, keys, records, pool, runnersByPool.get(pool) ?? [], now)));
}

async function snapshotOf(redis: Redis, keys: RedisKeys, records: RecordReader, pool: string, runners: RunnerLoad[], now: number): Promise<PoolSnapshot> {
  const jobIds = await redis.zrange(keys.queue(pool), 0, -1);
  const metas = jobIds.length > 0 ? await redis.hmget(keys.jobMeta, ...jobIds) : [];
  const classes = new Map<string, PoolSnapshot["backlog"][number]>();
  let oldest = now;
  for (const raw of metas) {
    const m = records.json("job.meta", QueuedJobLoadV1, raw) ?? { jobClass: UNCLASSIFIED, weight: 0, arrivedAt: null };
    const jobClass = m.jobClass;
    const entry = classes.get(jobClass) ?? { jobClass, weight: m.weight, waiting: 0, arrivedAt: [] };
    entry.waiting += 1;
    classes.set(jobClass, entry);
    // A job without a readable arrival counts as long waited: a deferred scale-out must never strand it.
    entry.arrivedAt.push(m.arrivedAt ?? 0);
    if (m.arrivedAt !== null && m.arrivedAt < oldest) oldest = m.arrivedAt;
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
