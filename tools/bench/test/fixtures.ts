import { compileClassRules, defaultClassRules } from "@switchyard/decision";
import type { RunnerSpec } from "../src/fleet/fleet.js";
import { simulate } from "../src/sim/simulate.js";
import type { DispatchPolicy } from "../src/sim/types.js";
import type { TraceJob } from "../src/trace/trace-job.js";

/** The shipped class rules, compiled once. */
export const rules = compileClassRules(defaultClassRules);

/** One runner with `limit` slots at speed 1 in pool "linux". */
export function oneRunner(limit = 1, speed = 1): RunnerSpec[] {
  return [{ runnerId: "r1", pool: "linux", tags: ["linux"], limit, speed, cpus: 4 }];
}

/** Replays and returns each job's wait in seconds by job id. */
export function waitsOf(trace: readonly TraceJob[], runners: readonly RunnerSpec[], policy: DispatchPolicy): Map<number, number> {
  const r = simulate({ trace, runners, policy, rules, compression: 1 });
  return new Map(r.jobs.map((j) => [j.jobId, (j.startedAt! - j.arrivedAt) / 1000]));
}

/** A trace job with overridable fields: merge-request job in pool linux. */
export function traceJob(overrides: Partial<TraceJob> = {}): TraceJob {
  return {
    jobId: 1, createdAt: 0, project: "p", pipelineId: 1, refClass: "merge_request", pipelineSource: null, stage: "test",
    name: "test", pool: "linux", environment: null, environmentTier: null, durationS: 60, status: "success",
    injected: false, afterPipeline: false, ...overrides,
  };
}
