import type { ClassRules } from "@switchyard/decision";
import { buildFleet, slotsPerPool, type FleetSpec } from "../fleet/fleet.js";
import { judgeGoals, type GoalLine } from "../report/goal.js";
import { summarize, type PolicySummary } from "../report/summarize.js";
import { simulate, type SimulationResult } from "../sim/simulate.js";
import type { TraceJob } from "../trace/trace-job.js";
import type { PolicyFactory } from "./policy-set.js";

/** A load: a name and an arrival compression factor, or "auto" to calibrate on FIFO's p95. */
export interface LoadSpec {
  name: string;
  compression: number | "auto";
}

/** Everything one bench run needs; `progress` gets one line per finished replay. */
export interface PolicyBenchInput {
  trace: readonly TraceJob[];
  fleet: FleetSpec;
  rules: ClassRules;
  policies: readonly PolicyFactory[];
  loads: readonly LoadSpec[];
  sliSeconds: number;
  /** FIFO overall p95 (s) the "auto" load aims for. */
  targetFifoP95S: number;
  /** The class the goal favours (production deploys). */
  topClass: string;
  progress: (line: string) => void;
}

/** One policy's replay at one load. */
export interface PolicyRun {
  result: SimulationResult;
  summary: PolicySummary;
  elapsedMs: number;
}

/** All replays at one load, with the goals judged for every Switchyard policy. */
export interface LoadRun {
  name: string;
  compression: number;
  slotsPerPool: Record<string, number>;
  runs: PolicyRun[];
  goal: { policy: string; lines: GoalLine[] }[];
}

/** Runs every policy at every load (calibrating "auto" loads first) and judges the goal. */
export function runPolicyBench(input: PolicyBenchInput): LoadRun[] {
  const runners = buildFleet(input.fleet);
  const fifo = input.policies.find((p) => p.name === "fifo");
  if (!fifo) throw new Error("policy bench: the fifo policy is the baseline and must be included");
  const replay = (factory: PolicyFactory, compression: number): PolicyRun => {
    const started = performance.now();
    const result = simulate({ trace: input.trace, runners, policy: factory.create(), rules: input.rules, compression });
    return { result, summary: summarize(result, input.sliSeconds), elapsedMs: performance.now() - started };
  };
  return input.loads.map((load) => {
    const compression = load.compression === "auto"
      ? calibrate((c) => replay(fifo, c).summary.overall.p95, input.targetFifoP95S, (c, p95) =>
        input.progress(`  calibrating ${load.name}: compression ${c.toFixed(3)} → FIFO p95 ${Math.round(p95)} s`))
      : load.compression;
    const runs = input.policies.map((factory) => {
      const run = replay(factory, compression);
      const s = run.summary;
      input.progress(`${load.name.padEnd(10)} ×${compression.toFixed(2)}  ${factory.name.padEnd(20)} ` +
        `p95 ${Math.round(s.overall.p95)} s, mean ${Math.round(s.overall.mean)} s, util ${(100 * s.utilization.overall).toFixed(1)}% ` +
        `(${Math.round(run.elapsedMs)} ms)`);
      return run;
    });
    const base = runs.find((r) => r.summary.policy === "fifo")!.summary;
    const priority = runs.find((r) => r.summary.policy === "priority")?.summary;
    const goal = priority === undefined ? [] : runs.filter((r) => r.summary.policy.startsWith("switchyard"))
      .map((r) => ({ policy: r.summary.policy, lines: judgeGoals(input.topClass, base, priority, r.summary) }));
    return { name: load.name, compression, slotsPerPool: slotsPerPool(runners), runs, goal };
  });
}

/**
 * Finds the compression at which `p95Of` is closest to the target by bisection on [0.25, 64]
 * (FIFO's p95 grows with compression); stops within 5% of the target or after 14 steps.
 */
export function calibrate(p95Of: (compression: number) => number, targetS: number, onStep: (c: number, p95: number) => void): number {
  let lo = 0.25, hi = 64;
  let best = { c: 1, miss: Infinity };
  for (let step = 0; step < 14; step++) {
    const c = Math.sqrt(lo * hi);
    const p95 = p95Of(c);
    onStep(c, p95);
    const miss = Math.abs(p95 - targetS);
    if (miss < best.miss) best = { c, miss };
    if (miss <= 0.05 * targetS) break;
    if (p95 < targetS) lo = c; else hi = c;
  }
  return best.c;
}
