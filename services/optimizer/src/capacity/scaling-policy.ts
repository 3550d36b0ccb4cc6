import { z } from "zod";
import { HIGH_CLASS_RETENTION_MS } from "@switchyard/contracts";
import { defaultWarmReserveConfig, type ScalingPolicy, type WarmReserveConfig } from "@switchyard/decision";
import { compileCronPeriod, localTimeZone, type CronPeriod } from "../sli/cron-period.js";
import { parseGoDuration } from "../sli/go-duration.js";

/** One `[[runners.autoscaler.policy]]`-like entry: during `periods`, keep `idleCount` free job slots. */
export const scheduleSchema = z.object({
  periods: z.array(z.string().min(1)).min(1).default(["* * * * *"]).describe("5-field unix cron; the policy applies while the current minute matches"),
  timezone: z.string().optional().describe("IANA zone of the periods; default the process zone"),
  idleCount: z.number().int().nonnegative().default(0).describe("idle job capacity (slots, not machines) to keep ready, as in taskscaler"),
  idleTime: z.string().default("10m").describe("Go duration a machine must be idle before it may be removed"),
});
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

const w = defaultWarmReserveConfig;
/**
 * The warm reserve of one pool (libs/decision warm-reserve.ts): free slots only classes of weight ≥
 * `minWeight` may take, sized from their starts in the pool (the assigner's `<p>:high-class:<pool>`).
 * The autoscaler keeps them on top of the backlog and idleCount and writes them for the assigner's
 * dispatcher. Defaults are libs/decision's defaultWarmReserveConfig, the replay's shipped reserve.
 */
export const warmReserveSchema = z.object({
  enabled: z.boolean().default(true).describe("false: no reserve (the planner keeps none, the dispatcher holds nothing back)"),
  minWeight: z.number().nonnegative().default(w.minWeight).describe("classes of at least this weight are urgent: their starts size the reserve and only they may take it"),
  maxSlots: z.number().int().nonnegative().default(w.maxSlots).describe("most slots held; 0 = off"),
  windowMs: z.number().int().positive().max(HIGH_CLASS_RETENTION_MS).default(w.windowMs)
    .describe("urgent starts within this window give their rate; none in it = no reserve (at most 24 h: the assigner keeps a day of them)"),
  bootMs: z.number().int().nonnegative().default(w.bootMs).describe("how long a new machine of this pool takes to join it"),
  missProbability: z.number().gt(0).lt(1).default(w.missProbability).describe("largest accepted chance that more urgent jobs arrive during one boot than the reserve holds"),
});
export type WarmReserveSettings = z.infer<typeof warmReserveSchema>;

/** Autoscaling of one pool: bounds, machine size, recycling and its schedules (last matching wins). */
export const poolScalingSchema = z.object({
  pool: z.string().regex(/^[A-Za-z0-9_-]+$/),
  capacityPerMachine: z.number().int().positive().default(1).describe("jobs one machine runs at once"),
  minMachines: z.number().int().nonnegative().default(0),
  maxMachines: z.number().int().positive().default(10),
  maxUseCount: z.number().int().nonnegative().default(0).describe("jobs a machine runs before it is recycled; 0 = unlimited"),
  urgentWeight: z.number().nonnegative().default(0).describe("classes of at least this weight scale out at once; 0 = every class (gitlab-runner's behaviour)"),
  scaleOutDelay: z.string().default("0s").describe("Go duration a job of a class below urgentWeight waits for a free slot before it asks for a new machine"),
  policies: z.array(scheduleSchema).default([]),
  warmReserve: warmReserveSchema.prefault({}),
});
export type PoolScalingConfig = z.infer<typeof poolScalingSchema>;


/** A compiled pool config that can tell which of its schedules is in force. */
export interface CompiledPoolScaling {
  readonly pool: string;
  policyAt(nowMs: number): ScalingPolicy;
  /** The warm reserve's knobs; null when it is off. */
  readonly warmReserve: WarmReserveConfig | null;
}

const DEFAULT_IDLE_TIME_MS = 10 * 60_000;

/** Compiles periods and durations once; throws on a bad period, zone or duration (config validation calls it). */
export function compilePoolScaling(config: PoolScalingConfig): CompiledPoolScaling {
  const schedules = config.policies.map((p) => ({
    periods: p.periods.map((period): CronPeriod => compileCronPeriod(period, p.timezone ?? localTimeZone())),
    idleCount: p.idleCount,
    idleTimeMs: parseGoDuration(p.idleTime) * 1000,
  }));
  const base = {
    capacityPerMachine: config.capacityPerMachine, minMachines: config.minMachines,
    maxMachines: Math.max(config.maxMachines, config.minMachines), maxUseCount: config.maxUseCount,
    urgentWeight: config.urgentWeight, scaleOutDelayMs: parseGoDuration(config.scaleOutDelay) * 1000,
  };
  const { enabled, ...reserve } = config.warmReserve;
  return {
    pool: config.pool,
    warmReserve: enabled && reserve.maxSlots > 0 ? Object.freeze(reserve) : null,
    policyAt(nowMs) {
      const minute = Math.floor(nowMs / 60_000) * 60_000;
      let active: (typeof schedules)[number] | undefined;
      // Last matching policy wins, as in gitlab-runner's autoscaler.
      for (const s of schedules) if (s.periods.some((p) => p.matchesSecond(minute))) active = s;
      return { ...base, idleCount: active?.idleCount ?? 0, idleTimeMs: active?.idleTimeMs ?? DEFAULT_IDLE_TIME_MS };
    },
  };
}
