import { createRng } from "./rng.js";
import type { TraceJob } from "./trace-job.js";

/** How deploy jobs are added to a trace that has none. */
export interface DeployInjection {
  seed: number;
  /** Shortest and longest deploy run time (s); each deploy draws uniformly in between. */
  minDurationS: number;
  maxDurationS: number;
  /** Pool the deploys run on; null = the pool most of that pipeline's jobs use (ties: name order). */
  pool: string | null;
  environment: string;
}

/** 1–3 minute production deploys on each pipeline's main pool, seed 42. */
export const defaultDeployInjection: DeployInjection = Object.freeze({
  seed: 42, minDurationS: 60, maxDurationS: 180, pool: null, environment: "production",
});

/**
 * Gives every default-branch pipeline one production deploy job, released in the replay when that
 * pipeline's last job finishes (`afterPipeline`), marked `injected`. Job ids continue after the
 * trace's largest; durations come from the seeded generator in pipeline-id order, so the same
 * trace and seed always yield the same jobs. Returns the trace plus the deploys, sorted as parsed.
 */
export function injectDeploys(trace: readonly TraceJob[], cfg: DeployInjection = defaultDeployInjection): TraceJob[] {
  const rng = createRng(cfg.seed);
  const pipelines = new Map<number, TraceJob[]>();
  for (const j of trace) {
    if (j.refClass !== "default" || j.injected) continue;
    const list = pipelines.get(j.pipelineId);
    if (list) list.push(j); else pipelines.set(j.pipelineId, [j]);
  }
  let nextId = trace.reduce((m, j) => Math.max(m, j.jobId), 0) + 1;
  const deploys: TraceJob[] = [];
  for (const pipelineId of [...pipelines.keys()].sort((a, b) => a - b)) {
    const jobs = pipelines.get(pipelineId)!;
    const first = jobs[0]!;
    const span = cfg.maxDurationS - cfg.minDurationS;
    deploys.push({
      jobId: nextId++,
      createdAt: Math.max(...jobs.map((j) => j.createdAt)),
      project: first.project,
      pipelineId,
      refClass: "default",
      pipelineSource: first.pipelineSource,
      stage: "deploy",
      name: `deploy:${cfg.environment}`,
      pool: cfg.pool ?? mainPool(jobs),
      environment: cfg.environment,
      environmentTier: "production",
      durationS: Math.round(cfg.minDurationS + rng() * span),
      status: "success",
      injected: true,
      afterPipeline: true,
    });
  }
  return [...trace, ...deploys].sort((a, b) => a.createdAt - b.createdAt || a.jobId - b.jobId);
}

function mainPool(jobs: readonly TraceJob[]): string {
  const counts = new Map<string, number>();
  for (const j of jobs) counts.set(j.pool, (counts.get(j.pool) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}
