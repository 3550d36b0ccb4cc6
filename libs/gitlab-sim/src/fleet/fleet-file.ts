import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { mulberry32, randomToken } from "../prng.js";
import type { RunnerRegistrationInput } from "../gitlab/model.js";

/** A pool: one upstream registration of Switchyard with GitLab (a tag set + run-untagged + protected flag). */
export const fleetPoolSchema = z.object({
  name: z.string().min(1),
  tags: z.array(z.string().min(1)).default([]),
  runUntagged: z.boolean().default(false),
  protected: z.boolean().default(false).describe("registered with access_level ref_protected"),
  upstreamRunnerId: z.number().int().positive(),
  upstreamToken: z.string().min(1).describe("the pool's GitLab runner token (glrt-...)"),
});

/** One downstream gitlab-runner host behind Switchyard. */
export const fleetRunnerSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/).describe("Switchyard's runner id, e.g. r-001"),
  gitlabRunnerId: z.number().int().positive().optional(),
  pool: z.string().min(1),
  token: z.string().min(1).describe("Switchyard-issued downstream token (syr_...)"),
  limit: z.number().int().positive(),
  requestConcurrency: z.number().int().positive().optional().describe("gitlab-runner's request_concurrency: jobs/request calls held at once (default 1)"),
  diskUsedRatio: z.number().min(0).max(1).optional(),
  cpus: z.number().int().positive().optional(),
  memoryGiB: z.number().positive().optional(),
});

/** A runner registered straight with GitLab (normally paused; the FIFO watchdog's fallback). */
export const directRunnerSchema = z.object({
  gitlabRunnerId: z.number().int().positive(),
  token: z.string().min(1),
  tags: z.array(z.string().min(1)).default([]),
  runUntagged: z.boolean().default(false),
  paused: z.boolean().default(true),
});

/** The fleet description file shared by the sim GitLab, the sim runners and Switchyard's config. */
export const fleetFileSchema = z.object({
  gitlab: z.object({ adminToken: z.string().min(1) }),
  pools: z.array(fleetPoolSchema).min(1),
  runners: z.array(fleetRunnerSchema).default([]),
  directRunners: z.array(directRunnerSchema).default([]),
}).superRefine((fleet, ctx) => {
  const pools = new Set(fleet.pools.map((p) => p.name));
  fleet.runners.forEach((r, i) => {
    if (!pools.has(r.pool)) ctx.addIssue({ code: "custom", path: ["runners", i, "pool"], message: `unknown pool ${r.pool}` });
  });
  const ids = [...fleet.pools.map((p) => p.upstreamRunnerId), ...fleet.runners.flatMap((r) => r.gitlabRunnerId ?? []), ...fleet.directRunners.map((d) => d.gitlabRunnerId)];
  if (new Set(ids).size !== ids.length) ctx.addIssue({ code: "custom", path: [], message: "GitLab runner ids must be unique" });
});
export type FleetFile = z.infer<typeof fleetFileSchema>;
/** Alias of FleetFile. */
export type Fleet = FleetFile;
export type FleetPool = z.infer<typeof fleetPoolSchema>;
export type FleetRunner = z.infer<typeof fleetRunnerSchema>;

/** Reads and validates a YAML or JSON fleet file. */
export function readFleetFile(path: string): FleetFile {
  return fleetFileSchema.parse(parseYaml(readFileSync(path, "utf8")));
}

/** A pool as `generateFleet` takes it. */
export interface PoolTemplate { name: string; tags: string[]; runUntagged?: boolean; protected?: boolean }

/** Default pools: linux (also untagged), gpu, windows. */
export const DEFAULT_POOLS: PoolTemplate[] = [
  { name: "linux", tags: ["linux"], runUntagged: true },
  { name: "gpu", tags: ["gpu"] },
  { name: "windows", tags: ["windows"] },
];

export interface GenerateFleetOptions {
  pools?: PoolTemplate[];
  runnersPerPool?: number;
  limit?: number;
  seed?: number;
  adminToken?: string;
}

/** Builds a deterministic fleet (same seed → same tokens and ids), with one paused direct runner per pool. */
export function generateFleet(options: GenerateFleetOptions = {}): FleetFile {
  const random = mulberry32(options.seed ?? 1);
  const pools = options.pools ?? DEFAULT_POOLS;
  const perPool = options.runnersPerPool ?? 3;
  let gitlabId = 1;
  let runnerSeq = 0;
  const fleet: FleetFile = {
    gitlab: { adminToken: options.adminToken ?? `glpat-${randomToken(random, 20)}` },
    pools: [], runners: [], directRunners: [],
  };
  for (const pool of pools) {
    fleet.pools.push({
      name: pool.name, tags: pool.tags, runUntagged: pool.runUntagged ?? false, protected: pool.protected ?? false,
      upstreamRunnerId: gitlabId++, upstreamToken: `glrt-${randomToken(random, 20)}`,
    });
    for (let i = 0; i < perPool; i++) {
      fleet.runners.push({
        id: `r-${String(++runnerSeq).padStart(3, "0")}`, gitlabRunnerId: gitlabId++, pool: pool.name,
        token: `syr_${randomToken(random, 24)}`, limit: options.limit ?? 2, diskUsedRatio: Math.round((0.1 + random() * 0.4) * 100) / 100,
        cpus: 4, memoryGiB: 16,
      });
    }
    fleet.directRunners.push({ gitlabRunnerId: gitlabId++, token: `glrt-${randomToken(random, 20)}`, tags: pool.tags, runUntagged: pool.runUntagged ?? false, paused: true });
  }
  return fleetFileSchema.parse(fleet);
}

/**
 * The runners a sim GitLab registers for a fleet: each pool's upstream registration (instance runner),
 * each downstream runner as a project runner (description = runner id, token = its downstream token so it can
 * also poll GitLab directly), and the paused direct runners. A downstream runner talks only to Switchyard, so
 * GitLab shows it never contacted, as a real GitLab would (Ci::Runner#status); its health comes from the broker.
 */
export function fleetRegistrations(fleet: FleetFile): RunnerRegistrationInput[] {
  const regs: RunnerRegistrationInput[] = [];
  const pools = new Map(fleet.pools.map((p) => [p.name, p]));
  for (const pool of fleet.pools) {
    regs.push({
      id: pool.upstreamRunnerId, token: pool.upstreamToken, description: `switchyard-pool-${pool.name}`, tags: pool.tags,
      runUntagged: pool.runUntagged, accessLevel: pool.protected ? "ref_protected" : "not_protected", runnerType: "instance_type",
    });
  }
  for (const runner of fleet.runners) {
    if (runner.gitlabRunnerId === undefined) continue;
    const pool = pools.get(runner.pool)!;
    regs.push({
      id: runner.gitlabRunnerId, token: runner.token, description: runner.id, tags: pool.tags, runUntagged: pool.runUntagged,
      accessLevel: pool.protected ? "ref_protected" : "not_protected", runnerType: "project_type",
    });
  }
  for (const direct of fleet.directRunners) {
    regs.push({
      id: direct.gitlabRunnerId, token: direct.token, description: `direct-${direct.gitlabRunnerId}`, tags: direct.tags,
      runUntagged: direct.runUntagged, runnerType: "instance_type", paused: direct.paused,
    });
  }
  return regs;
}
