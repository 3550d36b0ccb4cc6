import { z } from "zod";
import { EpochMs, Token } from "./common.js";

/**
 * Shared Redis records: what one agent writes and another reads. Each schema names its one owning
 * writer; `redis-records.ts` maps every key to its schema and owner.
 */

/**
 * The shared records agents read through libs/runtime's record reader, by the name a failure is counted
 * under (`switchyard_unreadable_records_total{record}`, created at 0 for each, so the series exist from
 * the first scrape). A reader names one of these, never a free string.
 */
export const SHARED_RECORD_NAMES = ["runner.state", "job.meta", "weights", "warm-reserve", "assigner.settings"] as const;
export type SharedRecordName = (typeof SHARED_RECORD_NAMES)[number];

/** States of the assigner's scorer breaker. */
export const BREAKER_STATES = ["closed", "open", "half-open"] as const;
export type BreakerStateName = (typeof BREAKER_STATES)[number];

/** `<p>:breaker` STRING. Owner: assigner (one per replica, last writer wins); read by the dashboard. */
export const BreakerStateV1 = z.object({
  state: z.enum(BREAKER_STATES),
  at: z.number().nullable().catch(null),
  reason: z.string().nullable().catch(null),
  instance: z.unknown().optional(),
});
export type BreakerState = z.infer<typeof BreakerStateV1>;

/**
 * One hand-off in `<p>:handoffs` (jobId → record). Owner: assigner (the COLLECT script writes it, the
 * MARK_ACKED script acknowledges it); read by the assigner and the dashboard. Stored as `runner|handedAt|acked`
 * because the queue's Lua scripts write and match that form; a JSON form would need a rollout in which
 * `decodeHandoff` reads both.
 */
export const HandoffV1 = z.object({
  runnerId: Token,
  handedAt: EpochMs,
  acked: z.boolean(),
});
export type Handoff = z.infer<typeof HandoffV1>;

/** Reads a stored hand-off; undefined when it is not one. */
export function decodeHandoff(raw: string): Handoff | undefined {
  const [runnerId, handedAt, acked, ...rest] = raw.split("|");
  if (rest.length > 0 || (acked !== "0" && acked !== "1")) return undefined;
  const parsed = HandoffV1.safeParse({ runnerId, handedAt: Number(handedAt), acked: acked === "1" });
  return parsed.success ? parsed.data : undefined;
}

/** gitlab-runner's `job_queuing_durations` bucket bounds (s): the optimizer's histogram and its `le:<bound>` SLI fields. */
export const SLI_BUCKETS = [1, 3, 10, 30, 60, 120, 300, 900, 1800, 3600] as const;

const count = z.coerce.number().catch(0).transform((n) => (Number.isFinite(n) && n >= 0 ? n : 0));

/**
 * `<p>:sli:summary:<pool>:<class>` HASH. Owner: optimizer (RECORD_ONCE script); read by the dashboard.
 * Fields: jobs, exceeded, overTarget, queueSecondsSum, updatedAt, and `le:<bound>` (non-cumulative count per
 * SLI_BUCKETS bound, plus `le:+Inf`). Missing or malformed numbers read as 0.
 */
export const SliSummaryV1 = z.record(z.string(), z.string()).transform((hash) => {
  const buckets = new Map<string, number>();
  for (const [field, value] of Object.entries(hash)) if (field.startsWith("le:")) buckets.set(field.slice(3), count.parse(value));
  return {
    jobs: count.parse(hash.jobs),
    exceeded: count.parse(hash.exceeded),
    overTarget: count.parse(hash.overTarget),
    queueSecondsSum: count.parse(hash.queueSecondsSum),
    updatedAt: hash.updatedAt ? count.parse(hash.updatedAt) : null,
    buckets,
  };
});
export type SliSummary = z.infer<typeof SliSummaryV1>;

/** A member of `<p>:sli:summary-index` SET (JSON). Owner: optimizer; read by the dashboard. */
export const SliSummaryIndexEntryV1 = z.object({ pool: z.string(), jobClass: z.string() });

/** `<p>:weights` HASH. Owner: scorer (it stores each update it applies; newest version wins); read by scorers and the optimizer. */
export const WeightsRecordV1 = z.object({
  version: z.coerce.number().int().nonnegative(),
  weights: z.string().transform((json, ctx) => {
    try {
      const value: unknown = JSON.parse(json);
      const out: Record<string, number> = {};
      if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[k] = v;
        return out;
      }
    } catch { /* reported below */ }
    ctx.addIssue({ code: "custom", message: "weights is not a JSON object" });
    return z.NEVER;
  }),
  reason: z.string().optional(),
  frozen: z.string().optional(),
  at: z.string().optional(),
});
export type WeightsRecord = z.infer<typeof WeightsRecordV1>;

/**
 * An entry of `<p>:jobs:meta` as other agents read it (the assigner's HeldJobMeta carries more, left out
 * here; name and stage are untrusted text). Owner: assigner; read by the dashboard.
 */
export const HeldJobMetaV1 = z.object({
  jobId: z.number(),
  pool: z.string(),
  jobClass: z.string(),
  name: z.string().default(""),
  stage: z.string().default(""),
  projectPath: z.string().nullable().default(null),
  arrivedAt: z.number(),
  tier: z.string().default(""),
  weight: z.number().optional(),
});
export type HeldJobMetaView = z.infer<typeof HeldJobMetaV1>;

const finiteOr0 = z.number().catch(0).transform((n) => (Number.isFinite(n) ? n : 0));

/**
 * Pool capacity: the part of a runner state (`<p>:runners`, owner: monitor) the optimizer's
 * autoscaler reads. Lenient on purpose: a missing number reads as 0 (limit 0 = unlimited).
 */
export const RunnerLoadV1 = z.object({
  runnerId: z.string(),
  pool: z.string(),
  running: finiteOr0,
  limit: finiteOr0,
  draining: z.unknown().transform((v) => v === true),
});
export type RunnerLoadRecord = z.infer<typeof RunnerLoadV1>;

/**
 * The part of a held job's meta (`<p>:jobs:meta`, owner: assigner) the autoscaler's backlog reads.
 * A job whose class or arrival cannot be read still waits: unclassified, arrived at 0 (long waited).
 */
export const QueuedJobLoadV1 = z.object({
  jobClass: z.string().catch("unclassified").default("unclassified"),
  weight: finiteOr0.default(0),
  arrivedAt: z.number().nullable().catch(null).default(null),
});

/**
 * How long the assigner keeps a top-class dispatch in `<p>:high-class:<pool>` (ms). The per-project
 * budget counts only the last hour of it; the optimizer's warm reserve sizes itself from up to this
 * much (its `windowMs` may not exceed it).
 */
export const HIGH_CLASS_RETENTION_MS = 24 * 3_600_000;

/**
 * One member of `<p>:high-class:<pool>` ZSET, scored by dispatch time (epoch ms). Owner: assigner
 * (at reservation, for jobs of weight ≥ its `highClassBudget.minWeight`); read by the assigner (the
 * per-project budget) and the optimizer (urgent starts for the warm reserve). Stored as
 * `projectId:jobId:weight`; older assigners wrote `projectId:jobId`, read with weight null.
 */
export const HighClassDispatchV1 = z.object({
  projectId: z.number().int().nonnegative(),
  jobId: z.number().int().nonnegative(),
  weight: z.number().finite().nonnegative().nullable(),
});
export type HighClassDispatch = z.infer<typeof HighClassDispatchV1>;

export function encodeHighClassDispatch(d: HighClassDispatch): string {
  return d.weight === null ? `${d.projectId}:${d.jobId}` : `${d.projectId}:${d.jobId}:${d.weight}`;
}

/** Reads a stored member; undefined when it is not one. */
export function decodeHighClassDispatch(member: string): HighClassDispatch | undefined {
  const [projectId, jobId, weight, ...rest] = member.split(":");
  if (rest.length > 0 || projectId === undefined || jobId === undefined || projectId === "" || jobId === "" || weight === "") return undefined;
  const parsed = HighClassDispatchV1.safeParse({ projectId: Number(projectId), jobId: Number(jobId), weight: weight === undefined ? null : Number(weight) });
  return parsed.success ? parsed.data : undefined;
}

/**
 * `<p>:warm-reserve:<pool>` STRING, with a TTL of a few autoscaler intervals. Owner: optimizer (the
 * autoscaler, while it holds the pool's lease, every pass; deleted when the reserve is 0); read by the
 * assigner's dispatcher, which keeps jobs below `minWeight` off the pool's last `slots` free slots
 * (libs/decision `mayTakeSlot`). Absent, expired (the optimizer stopped) or unreadable = no reserve.
 */
export const WarmReserveV1 = z.object({
  v: z.literal(1),
  pool: Token,
  slots: z.number().int().nonnegative().max(1_000),
  minWeight: z.number().finite().nonnegative(),
  at: EpochMs,
});
export type WarmReserveRecord = z.infer<typeof WarmReserveV1>;

/**
 * `<p>:assigner:settings` STRING. Owner: assigner (written by each replica at start; replicas of one
 * fleet share a config, so the last writer says the same). Read by the CLI, which validates what an
 * operator types (`add-runner --pool`, `tier <class>`) against the running config instead of env
 * defaults, and prints `publicUrl` as the runners' `url`.
 */
export const AssignerSettingsV1 = z.object({
  v: z.literal(1),
  pools: z.array(Token).min(1).max(1_000),
  jobClasses: z.array(Token).max(1_000),
  /** The URL runners reach the broker at (its Service or load balancer); null when not configured. */
  publicUrl: z.string().max(2_048).nullable(),
  at: EpochMs,
});
export type AssignerSettings = z.infer<typeof AssignerSettingsV1>;
