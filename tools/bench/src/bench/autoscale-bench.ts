import type { ClassRules, ScalingPolicy, WarmReserveConfig } from "@switchyard/decision";
import type { RunnerShape } from "../fleet/fleet.js";
import { judgeFrontier, type FrontierGoal } from "../report/frontier-goal.js";
import { summarize } from "../report/summarize.js";
import { machineHours, type AutoscaledPool } from "../sim/machine-scaler.js";
import { simulate } from "../sim/simulate.js";
import type { TraceJob } from "../trace/trace-job.js";
import type { PolicyFactory } from "./policy-set.js";

/** The machines and timing every autoscaled replay shares. */
export interface AutoscaleFleet {
  /** Pools and the most machines each may have (gitlab-runner's `max_instances`). */
  maxMachinesPerPool: Readonly<Record<string, number>>;
  shape: RunnerShape;
  bootSeconds: number;
  /** The optimizer's `intervalMs`: how often each pool is planned. */
  intervalSeconds: number;
  /** `idle_time`: how long a machine must be idle before it may be removed. */
  idleTimeSeconds: number;
}

/** One knob setting on a frontier line: what it cost and what the jobs waited (s). */
export interface FrontierPoint {
  knob: string;
  machineHours: number;
  topP95: number;
  protectedP95: number;
  overallP95: number;
  overallMean: number;
  machines: number;
}

/** A policy swept over one knob: one line of the frontier picture. */
export interface FrontierLine {
  name: string;
  points: FrontierPoint[];
}

/** What each line varies: dispatch policy and the planner settings per point. */
export interface FrontierSweep {
  name: string;
  dispatch: PolicyFactory;
  /** `idleTimeSeconds` overrides the fleet's `idle_time` for that point. */
  points: { knob: string; idleCount: number; urgentWeight: number; scaleOutDelaySeconds: number; idleTimeSeconds?: number; reserve?: WarmReserveConfig }[];
}

export interface AutoscaleBenchInput {
  trace: readonly TraceJob[];
  rules: ClassRules;
  compression: number;
  fleet: AutoscaleFleet;
  sweeps: readonly FrontierSweep[];
  /** The line the goal compares against (gitlab-runner's autoscaler) and the lines it judges (Switchyard's). */
  baseline: string;
  candidates: readonly string[];
  /** Judge only this candidate point (`<line>: <knob>`, chosen on the tuning half); absent: the best one here. */
  candidateKnob?: string;
  topClass: string;
  sliSeconds: number;
  progress: (line: string) => void;
}

export interface AutoscaleRun {
  compression: number;
  fleet: AutoscaleFleet;
  lines: FrontierLine[];
  goal: FrontierGoal;
}

/**
 * Replays the trace on an autoscaled fleet once per point of every sweep: the optimizer's own planner
 * (`planScaling`) creates machines that take `bootSeconds` to join, and removes them after `idle_time`.
 * Every point is billed in machine-hours from creation to removal.
 */
export function runAutoscaleBench(input: AutoscaleBenchInput): AutoscaleRun {
  const { fleet } = input;
  const lines = input.sweeps.map((sweep): FrontierLine => ({
    name: sweep.name,
    points: sweep.points.map((p) => {
      const policy: ScalingPolicy = {
        capacityPerMachine: fleet.shape.limit, minMachines: 0, maxMachines: 0, maxUseCount: 0,
        idleCount: p.idleCount, idleTimeMs: (p.idleTimeSeconds ?? fleet.idleTimeSeconds) * 1000, urgentWeight: p.urgentWeight, scaleOutDelayMs: p.scaleOutDelaySeconds * 1000,
      };
      const pools: Record<string, AutoscaledPool> = Object.fromEntries(Object.entries(fleet.maxMachinesPerPool)
        .map(([pool, max]) => [pool, { shape: fleet.shape, bootMs: fleet.bootSeconds * 1000, policy: { ...policy, maxMachines: max }, ...(p.reserve ? { reserve: { ...p.reserve, bootMs: fleet.bootSeconds * 1000 } } : {}) }]));
      const started = performance.now();
      const result = simulate({
        trace: input.trace, runners: [], policy: sweep.dispatch.create(), rules: input.rules, compression: input.compression,
        autoscaling: { pools, intervalMs: fleet.intervalSeconds * 1000 },
      });
      const s = summarize(result, input.sliSeconds);
      const point: FrontierPoint = {
        knob: p.knob, machineHours: machineHours(result.machines), topP95: s.byClass[input.topClass]?.p95 ?? 0,
        protectedP95: s.byClass.protected?.p95 ?? 0, overallP95: s.overall.p95, overallMean: s.overall.mean, machines: result.machines.length,
      };
      input.progress(`  autoscaled ×${input.compression.toFixed(2)}  ${sweep.name.padEnd(34)} ${p.knob.padEnd(14)} ` +
        `${point.machineHours.toFixed(0)} machine-h, ${input.topClass} p95 ${Math.round(point.topP95)} s, mean ${Math.round(point.overallMean)} s ` +
        `(${Math.round(performance.now() - started)} ms)`);
      return point;
    }),
  }));
  const line = (name: string) => {
    const found = lines.find((l) => l.name === name);
    if (!found) throw new Error(`autoscale bench: no sweep named "${name}"`);
    return found;
  };
  const points = candidatePoints(lines, input.candidates).filter((p) => input.candidateKnob === undefined || p.knob === input.candidateKnob);
  return { compression: input.compression, fleet, lines, goal: judgeFrontier(line(input.baseline), { name: input.candidates.join(" | "), points }, input.topClass) };
}

/** Every point of the named lines, each knob named `<line>: <knob>` so a choice can be carried to another run. */
export function candidatePoints(lines: readonly FrontierLine[], names: readonly string[]): FrontierPoint[] {
  return lines.filter((l) => names.includes(l.name)).flatMap((l) => l.points.map((p) => ({ ...p, knob: `${l.name}: ${p.knob}` })));
}
