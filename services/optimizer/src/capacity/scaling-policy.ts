import { z } from "zod";
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

/** Autoscaling of one pool: bounds, machine size, recycling and its schedules (last matching wins). */
export const poolScalingSchema = z.object({
  pool: z.string().regex(/^[A-Za-z0-9_-]+$/),
  capacityPerMachine: z.number().int().positive().default(1).describe("jobs one machine runs at once"),
  minMachines: z.number().int().nonnegative().default(0),
  maxMachines: z.number().int().positive().default(10),
  maxUseCount: z.number().int().nonnegative().default(0).describe("jobs a machine runs before it is recycled; 0 = unlimited"),
  policies: z.array(scheduleSchema).default([]),
});
export type PoolScalingConfig = z.infer<typeof poolScalingSchema>;

/** The policy in force for a pool at one moment, ready for `planScaling`. */
export interface ScalingPolicy {
  capacityPerMachine: number;
  minMachines: number;
  maxMachines: number;
  maxUseCount: number;
  idleCount: number;
  idleTimeMs: number;
}

/** A compiled pool config that can tell which of its schedules is in force. */
export interface CompiledPoolScaling {
  readonly pool: string;
  policyAt(nowMs: number): ScalingPolicy;
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
  };
  return {
    pool: config.pool,
    policyAt(nowMs) {
      const minute = Math.floor(nowMs / 60_000) * 60_000;
      let active: (typeof schedules)[number] | undefined;
      // Last matching policy wins, as in gitlab-runner's autoscaler.
      for (const s of schedules) if (s.periods.some((p) => p.matchesSecond(minute))) active = s;
      return { ...base, idleCount: active?.idleCount ?? 0, idleTimeMs: active?.idleTimeMs ?? DEFAULT_IDLE_TIME_MS };
    },
  };
}
