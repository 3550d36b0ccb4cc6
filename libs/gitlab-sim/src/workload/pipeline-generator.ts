import { mulberry32, pick, randomInt, type Random } from "../prng.js";
import type { PipelineSpec } from "../gitlab/pipelines.js";

/** A project the workload draws pipelines from. */
export interface WorkloadProject { id: number; path: string }

/** A pool's tag set and its share of pipelines. */
export interface WorkloadPool { tags: string[]; weight: number }

/** Knobs of the generated pipelines. */
export interface PipelineMix {
  projects: WorkloadProject[];
  pools: WorkloadPool[];
  /** Share of pipelines from merge requests (unprotected feature branches). */
  mergeRequestShare: number;
  /** Share of pipelines from schedules (default branch). */
  scheduleShare: number;
  /** Share of default-branch pipelines that deploy to production; the others deploy to staging. */
  productionShare: number;
  /** Probability that any one job fails. */
  failureRate: number;
}

/** Six projects across a few groups. */
export const DEFAULT_PROJECTS: WorkloadProject[] = [
  { id: 11, path: "platform/api" }, { id: 12, path: "platform/web" }, { id: 21, path: "data/etl" },
  { id: 22, path: "ml/trainer" }, { id: 31, path: "mobile/app" }, { id: 41, path: "infra/terraform" },
];

/** linux mostly, some gpu and windows. */
export const DEFAULT_WORKLOAD_POOLS: WorkloadPool[] = [{ tags: ["linux"], weight: 8 }, { tags: ["gpu"], weight: 1 }, { tags: ["windows"], weight: 1 }];

const BRANCH_WORDS = ["login", "cache", "retry", "metrics", "search", "billing", "upload", "timeout"];

function weighted(random: Random, pools: WorkloadPool[]): WorkloadPool {
  const total = pools.reduce((s, p) => s + p.weight, 0);
  let r = random() * total;
  for (const pool of pools) { r -= pool.weight; if (r < 0) return pool; }
  return pools[pools.length - 1]!;
}

/** Produces pipeline specs (lint → test → build → deploy) from a seeded PRNG: same seed, same sequence. */
export function createPipelineGenerator(mix: PipelineMix, seed: number): () => PipelineSpec {
  const random = mulberry32(seed);
  const outcome = () => (random() < mix.failureRate ? "failed" as const : "success" as const);
  const job = (name: string, min: number, max: number, tags: string[]) => ({ name, tags, durationSeconds: randomInt(random, min, max), outcome: outcome() });
  return () => {
    const project = pick(random, mix.projects);
    const tags = weighted(random, mix.pools).tags;
    const r = random();
    const source = r < mix.mergeRequestShare ? "merge_request_event" as const : r < mix.mergeRequestShare + mix.scheduleShare ? "schedule" as const : "push" as const;
    const onDefault = source !== "merge_request_event";
    const ref = onDefault ? "main" : `feature/${pick(random, BRANCH_WORDS)}-${randomInt(random, 1, 999)}`;
    const stages: PipelineSpec["stages"] = [
      { name: "lint", jobs: [job("lint", 15, 60, tags), ...(random() < 0.5 ? [job("format-check", 10, 40, tags)] : [])] },
      { name: "test", jobs: [job("unit-tests", 60, 420, tags), job("integration-tests", 120, 600, tags), ...(random() < 0.3 ? [job("e2e-tests", 300, 900, tags)] : [])] },
      { name: "build", jobs: [job(random() < 0.5 ? "build-image" : "compile", 120, 720, tags)] },
    ];
    if (onDefault) {
      const production = random() < mix.productionShare;
      const environment = production
        ? { name: "production", tier: "production" as const, action: "start" as const }
        : { name: "staging", tier: "staging" as const, action: "start" as const };
      stages.push({ name: "deploy", jobs: [{ ...job(production ? "deploy-production" : "deploy-staging", 30, 180, tags), environment }] });
    }
    return {
      common: { projectId: project.id, projectPath: project.path, pipelineSource: source, ref, refType: "branch", defaultBranch: "main", protected: onDefault },
      stages,
    };
  };
}
