import type { Redis } from "ioredis";
import {
  ApprovalRequestV1, BreakerStateV1, DecisionV1, RunnerStateV1, ShadowFifoReportV1, SliSummaryIndexEntryV1, decodeHandoff,
  type ApprovalRequest, type BreakerStateName, type Decision, type RunnerState, type ShadowFifoReport,
} from "@switchyard/contracts";
import type { RedisKeys } from "@switchyard/runtime";
import type { z } from "zod";
import { parseJobMeta, readQueues, type JobMetaView, type PoolQueue } from "./read-queues.js";
import { sliRowFrom, type SliRow } from "./sli-estimate.js";

/** The assigner's scorer breaker as it last wrote it; `unknown` when absent or unreadable. */
export interface BreakerView {
  state: BreakerStateName | "unknown";
  at: number | null;
  reason: string | null;
}

/** Everything one dashboard render shows, read from Redis at `at`. */
export interface DashboardSnapshot {
  at: number;
  runners: RunnerState[];
  /** Metadata of the jobs runners run now, by job id (absent once the assigner forgot them). */
  runningJobs: Map<number, JobMetaView>;
  queues: PoolQueue[];
  decisions: Decision[];
  sli: SliRow[];
  breaker: BreakerView;
  approvals: ApprovalRequest[];
  /** The optimizer's shadow FIFO report (live queue time beside FIFO's, per class); null before the first. */
  shadowFifo: ShadowFifoReport | null;
  /** Records that failed their schema and were left out (runner states, decisions, approvals). */
  unreadable: number;
}

/** Reads the dashboard's view of the fleet from Redis. */
export type SnapshotReader = () => Promise<DashboardSnapshot>;

export interface SnapshotDeps {
  redis: Redis;
  keys: RedisKeys;
  now: () => number;
  /** Latest decisions shown. */
  decisionCount?: number;
  /** Queued jobs listed per pool. */
  queueHeadSize?: number;
}

/** Builds the reader; every value from Redis is parsed against its contract and may be untrusted text. */
export function createSnapshotReader(deps: SnapshotDeps): SnapshotReader {
  const { redis, keys } = deps;
  return async () => {
    const at = deps.now();
    let unreadable = 0;
    const parseAll = <T>(schema: z.ZodType<T>, raws: Iterable<string | null>): T[] => {
      const out: T[] = [];
      for (const raw of raws) {
        const value = parseJson(schema, raw);
        if (value === null) unreadable += 1;
        else out.push(value);
      }
      return out;
    };
    const [runnerHash, decisionRaws, approvalHash, breakerRaw, sliIndex, handoffs, shadowRaw] = await Promise.all([
      redis.hgetall(keys.runners),
      redis.lrange(keys.recentDecisions, 0, (deps.decisionCount ?? 12) - 1),
      redis.hgetall(keys.pendingApprovals),
      redis.get(keys.breaker),
      redis.smembers(keys.sliSummaryIndex),
      redis.hgetall(keys.handoffs),
      redis.get(keys.shadowFifo),
    ]);
    // Behind a broker GitLab sees jobs on the pool's registration, so what each runner runs
    // comes from Switchyard's own hand-offs (jobId → "runner|handedAt|acked") as well.
    const handedTo = new Map<string, number[]>();
    for (const [jobId, record] of Object.entries(handoffs)) {
      const handoff = decodeHandoff(record);
      if (!handoff) { unreadable += 1; continue; }
      const runnerId = handoff.runnerId;
      handedTo.set(runnerId, [...(handedTo.get(runnerId) ?? []), Number(jobId)]);
    }
    const runners = parseAll(RunnerStateV1, Object.values(runnerHash))
      .map((r) => ({ ...r, runningJobIds: [...new Set([...r.runningJobIds, ...(handedTo.get(r.runnerId) ?? [])])].sort((a, b) => a - b) }))
      .sort((a, b) => a.pool.localeCompare(b.pool) || a.runnerId.localeCompare(b.runnerId));
    const pools = [...new Set(runners.map((r) => r.pool))].sort();
    const runningIds = [...new Set(runners.flatMap((r) => r.runningJobIds))].slice(0, 1000).map(String);
    const [queues, runningMetas, sli] = await Promise.all([
      readQueues(redis, keys, pools, deps.queueHeadSize ?? 6),
      runningIds.length > 0 ? redis.hmget(keys.jobMeta, ...runningIds) : Promise.resolve([]),
      readSli(redis, keys, sliIndex),
    ]);
    const runningJobs = new Map<number, JobMetaView>();
    for (const meta of runningMetas.map(parseJobMeta)) if (meta) runningJobs.set(meta.jobId, meta);
    return {
      at, runners, runningJobs, queues, sli,
      decisions: parseAll(DecisionV1, decisionRaws),
      approvals: parseAll(ApprovalRequestV1, Object.values(approvalHash)).sort((a, b) => a.expiresAt - b.expiresAt),
      breaker: parseBreaker(breakerRaw),
      shadowFifo: shadowRaw === null ? null : parseAll(ShadowFifoReportV1, [shadowRaw])[0] ?? null,
      unreadable,
    };
  };
}

async function readSli(redis: Redis, keys: RedisKeys, index: string[]): Promise<SliRow[]> {
  const entries = index.flatMap((raw) => {
    const entry = parseJson(SliSummaryIndexEntryV1, raw);
    return entry ? [entry] : [];
  });
  const hashes = await Promise.all(entries.map((e) => redis.hgetall(keys.sliSummary(e.pool, e.jobClass))));
  return entries.map((e, i) => sliRowFrom(e.pool, e.jobClass, hashes[i] ?? {}))
    .sort((a, b) => a.pool.localeCompare(b.pool) || a.jobClass.localeCompare(b.jobClass));
}

function parseJson<T>(schema: z.ZodType<T>, raw: string | null): T | null {
  if (!raw) return null;
  try {
    const result = schema.safeParse(JSON.parse(raw));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** Parses the breaker STRING (BreakerStateV1); anything absent or unexpected reads as `unknown`. */
export function parseBreaker(raw: string | null): BreakerView {
  const value = parseJson(BreakerStateV1, raw);
  return value ? { state: value.state, at: value.at, reason: value.reason } : { state: "unknown", at: null, reason: null };
}
