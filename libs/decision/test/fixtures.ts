import type { Candidate, JobQueued } from "@switchyard/contracts";
import { defaultPlacementConfig, type PlacementInput, type PlacementJob, type RunnerView, type ScoreAnswer } from "../src/index.js";

/** A valid queued job with overridable fields. */
export function job(overrides: Partial<JobQueued> = {}): JobQueued {
  return {
    v: 1, jobId: 1, pool: "linux", projectId: 7, projectPath: "group/app", pipelineId: 100, name: "build",
    stage: "build", ref: "main", protectedRef: false, pipelineSource: "push", environment: null,
    jobClass: "default", tier: "autonomous", priority: 0, arrivedAt: 1_000, gitlabQueueSeconds: 0,
    timeoutSeconds: 3600, openRunners: [], ...overrides,
  };
}

/** A healthy, idle runner view in pool "linux" with overridable fields. */
export function runner(overrides: Partial<RunnerView> = {}): RunnerView {
  return {
    v: 1, runnerId: "r1", description: "runner", pool: "linux", tags: ["linux"], runUntagged: false,
    protected: false, paused: false, status: "online", draining: false, healthy: true, limit: 4, running: 0,
    runningJobIds: [], diskUsedRatio: null, cpus: null, memoryGiB: null, version: "17.0.0", contactedAt: 0,
    updatedAt: 0, successRate: null, freeSlots: 4, ...overrides,
  };
}

/** An autonomous held job in pool "linux", as placement reads it, with overridable fields. */
export function heldJob(overrides: Partial<PlacementJob> = {}): PlacementJob {
  return {
    jobId: 1, pool: "linux", projectId: 7, projectPath: "group/app", pipelineId: 100, name: "build", stage: "build",
    ref: "main", protectedRef: false, pipelineSource: "push", environment: null, environmentTier: null, environmentAction: null,
    jobClass: "default", tier: "autonomous", queueKey: 1_000, arrivedAt: 1_000, gitlabQueueSeconds: 0, timeoutSeconds: 3600,
    isDeploy: false, ...overrides,
  };
}

/** A ranked candidate whose total is one freeCapacity contribution. */
export function candidate(runnerId: string, total: number): Candidate {
  return { runnerId, total, contributions: [{ plugin: "freeCapacity", score: total, weight: 1 }] };
}

/** The scorer's ranking: runner id → total, best first as given. */
export function ranked(totals: Record<string, number>): ScoreAnswer {
  return { kind: "scored", scored: { candidates: Object.entries(totals).map(([id, t]) => candidate(id, t)), rejected: [] } };
}

/** A placement input: the held job, r-1 then r-2 asking, scored r-2 well ahead, the tie-break on. */
export function placementInput(overrides: Partial<PlacementInput> = {}): PlacementInput {
  return {
    job: heldJob(), available: ["r-1", "r-2"], scores: ranked({ "r-2": 90, "r-1": 40 }), oldestDeploy: true,
    tieBreakerOff: null, config: defaultPlacementConfig, ...overrides,
  };
}
