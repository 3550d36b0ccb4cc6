import type { JobQueued, TrustTier } from "@switchyard/contracts";
import type { PlacementJob } from "./types.js";

/**
 * The secret-free view of a held job that the scorers (and the LLM) see. Each asking runner
 * counts as one free slot: a runner asks once per slot it wants to fill.
 */
export function toJobQueued(job: PlacementJob, asking: readonly string[]): JobQueued {
  return {
    v: 1,
    jobId: job.jobId,
    pool: job.pool,
    projectId: job.projectId,
    projectPath: job.projectPath,
    pipelineId: job.pipelineId,
    name: job.name.slice(0, 512),
    stage: job.stage.slice(0, 255),
    ref: job.ref?.slice(0, 512) ?? null,
    protectedRef: job.protectedRef,
    pipelineSource: job.pipelineSource,
    environment: job.environment ? { name: job.environment, tier: job.environmentTier, action: job.environmentAction } : null,
    jobClass: job.jobClass,
    tier: job.tier as TrustTier,
    priority: -job.queueKey,
    arrivedAt: job.arrivedAt,
    gitlabQueueSeconds: job.gitlabQueueSeconds,
    timeoutSeconds: job.timeoutSeconds,
    openRunners: asking.map((runnerId) => ({ runnerId, freeSlots: 1 })),
  };
}
