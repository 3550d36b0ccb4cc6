import type { AutoscaleRun } from "../bench/autoscale-bench.js";
import type { LoadRun } from "../bench/policy-bench.js";
import type { GoalLine } from "./goal.js";
import type { PolicySummary } from "./summarize.js";

/** One half of the trace: which role it plays and every load replayed on it. */
export interface HalfJson {
  half: "first" | "second";
  /** "tuning": defaults were chosen on it; "report": held out. */
  role: "tuning" | "report";
  jobs: number;
  loads: {
    name: string;
    compression: number;
    slotsPerPool: Record<string, number>;
    policies: (PolicySummary & { elapsedMs: number })[];
    goal: { policy: string; lines: GoalLine[] }[];
  }[];
  /** Autoscaled replays at the same loads: the cost/wait frontier (absent with --no-autoscale). */
  autoscaling?: (AutoscaleRun & { load: string; chosenKnob?: string })[];
}

/** The bench's JSON output (schema "switchyard.bench.policy/v3"); documented in tools/bench/README.md. */
export interface PolicyBenchJson {
  schema: "switchyard.bench.policy/v3";
  generatedAt: string;
  trace: { source: string; jobs: number; injectedJobs: number; seed: number; notice: string };
  fleet: { runnersPerPool: Record<string, number>; shapes: unknown };
  sliSeconds: number;
  topClass: string;
  /** Which defaults were chosen with which data, in words. */
  tuning: string;
  halves: HalfJson[];
}

/** One half's loads as JSON (no per-job data, so it stays small). */
export function halfJson(half: HalfJson["half"], jobs: number, loads: readonly LoadRun[]): HalfJson {
  return {
    half, role: half === "first" ? "tuning" : "report", jobs,
    loads: loads.map((l) => ({
      name: l.name, compression: l.compression, slotsPerPool: l.slotsPerPool,
      policies: l.runs.map((r) => ({ ...r.summary, elapsedMs: Math.round(r.elapsedMs) })),
      goal: l.goal,
    })),
  };
}

/** Builds the JSON document from both halves. */
export function resultsJson(halves: HalfJson[], meta: Omit<PolicyBenchJson, "schema" | "generatedAt" | "halves">, now: Date): PolicyBenchJson {
  return { schema: "switchyard.bench.policy/v3", generatedAt: now.toISOString(), ...meta, halves };
}
