import type { JobQueued } from "@switchyard/contracts";
import type { RunnerView } from "../src/index.js";

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
