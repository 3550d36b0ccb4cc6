import type { LoadRun } from "../bench/policy-bench.js";
import type { GoalCheck } from "./goal.js";
import type { PolicySummary } from "./summarize.js";

/** The bench's JSON output (schema "switchyard.bench.policy/v1"); documented in tools/bench/README.md. */
export interface PolicyBenchJson {
  schema: "switchyard.bench.policy/v1";
  generatedAt: string;
  trace: { source: string; jobs: number; injectedJobs: number; seed: number; notice: string };
  fleet: { runnersPerPool: Record<string, number>; shapes: unknown };
  sliSeconds: number;
  topClass: string;
  tunedToTrace: false;
  loads: {
    name: string;
    compression: number;
    slotsPerPool: Record<string, number>;
    policies: (PolicySummary & { elapsedMs: number })[];
    goal: GoalCheck[];
  }[];
}

/** Builds the JSON document from the runs (no per-job data, so it stays small). */
export function resultsJson(loads: readonly LoadRun[], meta: Omit<PolicyBenchJson, "schema" | "generatedAt" | "loads" | "tunedToTrace">, now: Date): PolicyBenchJson {
  return {
    schema: "switchyard.bench.policy/v1",
    generatedAt: now.toISOString(),
    ...meta,
    tunedToTrace: false,
    loads: loads.map((l) => ({
      name: l.name, compression: l.compression, slotsPerPool: l.slotsPerPool,
      policies: l.runs.map((r) => ({ ...r.summary, elapsedMs: Math.round(r.elapsedMs) })),
      goal: l.goal,
    })),
  };
}
