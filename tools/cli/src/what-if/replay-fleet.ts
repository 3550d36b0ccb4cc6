import type { GitLabRunnerDetail } from "@switchyard/gitlab-client";
import type { FleetSpec, TraceJob } from "@switchyard/bench";

/** A set of interchangeable runners: the same tags and untagged setting. */
export interface RunnerGroup {
  /** Sorted tags joined by "+", "untagged" without tags: the replay's pool name. */
  pool: string;
  tags: readonly string[];
  runUntagged: boolean;
  runners: number;
}

/** Slots and speed every replayed runner gets: GitLab reports neither (they live in the runner's config.toml). */
export interface RunnerShapeAssumption {
  slotsPerRunner: number;
  speed: number;
}

/** The fleet to replay on, and the jobs with their pool set to the runner group that would take them. */
export interface ReplayFleet {
  groups: RunnerGroup[];
  /** Runners per group pool, one shape: what the policy bench builds its runners from. */
  fleet: FleetSpec;
  jobs: TraceJob[];
  /** Jobs no runner group can take (they stay unplaced in every policy), by their tags. */
  unmatched: Record<string, number>;
}

/** The pool name of a tag set, as the converter names a job's pool. */
export function poolOf(tags: readonly string[]): string {
  return tags.length ? [...tags].sort().join("+") : "untagged";
}

/** Groups GitLab's runners by tag set and untagged setting (paused runners included: they ran the history too). */
export function groupsFromRunners(runners: readonly GitLabRunnerDetail[]): RunnerGroup[] {
  const groups = new Map<string, RunnerGroup>();
  for (const r of runners) {
    const pool = poolOf(r.tagList);
    const key = `${pool}\u0000${r.runUntagged}`;
    const g = groups.get(key);
    if (g) g.runners++;
    else groups.set(key, { pool: r.runUntagged && r.tagList.length ? `${pool}(+untagged)` : pool, tags: [...r.tagList].sort(), runUntagged: r.runUntagged || r.tagList.length === 0, runners: 1 });
  }
  return [...groups.values()];
}

/** Groups from `--runners pool=count`: the pool name is the tag set ("docker+linux"; "untagged" for none). */
export function groupsFromCounts(counts: Readonly<Record<string, number>>): RunnerGroup[] {
  return Object.entries(counts).map(([pool, runners]) => {
    const tags = pool === "untagged" ? [] : pool.split("+").filter(Boolean).sort();
    return { pool, tags, runUntagged: tags.length === 0, runners };
  });
}

/**
 * Puts each job in the runner group that would take it: the group of the runner that really ran it
 * when known, else the largest group whose tags cover the job's (an untagged job needs a group that
 * runs untagged jobs), as GitLab matches tags. Jobs no group covers keep their own tag set as pool,
 * which has no runner, so every policy leaves them unplaced.
 */
export function buildReplayFleet(
  groups: readonly RunnerGroup[], jobs: readonly TraceJob[], ranOn: ReadonlyMap<number, string>, shape: RunnerShapeAssumption,
): ReplayFleet {
  const largestFirst = [...groups].sort((a, b) => b.runners - a.runners || a.pool.localeCompare(b.pool));
  const unmatched: Record<string, number> = {};
  const placed = jobs.map((job) => {
    const known = ranOn.get(job.jobId);
    if (known !== undefined && groups.some((g) => g.pool === known)) return { ...job, pool: known };
    const tags = job.pool === "untagged" ? [] : job.pool.split("+");
    const group = largestFirst.find((g) => (tags.length === 0 ? g.runUntagged : tags.every((t) => g.tags.includes(t))));
    if (!group) { unmatched[job.pool] = (unmatched[job.pool] ?? 0) + 1; return job; }
    return { ...job, pool: group.pool };
  });
  const fleet: FleetSpec = {
    runnersPerPool: Object.fromEntries(groups.map((g) => [g.pool, g.runners])),
    // GitLab reports no CPU count either; one shape for all, so placement cannot favour a machine size.
    shapes: [{ name: "gitlab", limit: shape.slotsPerRunner, speed: shape.speed, cpus: 4 }],
  };
  return { groups: [...groups], fleet, jobs: placed, unmatched };
}

/** Job id → the pool of the runner group of the GitLab runner that ran it. */
export function ranOnPools(recorded: ReadonlyMap<number, { runnerId: number | null }>, runners: readonly GitLabRunnerDetail[], groups: readonly RunnerGroup[]): Map<number, string> {
  const poolOfRunner = new Map<number, string>();
  for (const r of runners) {
    const tags = [...r.tagList].sort();
    const untagged = r.runUntagged || r.tagList.length === 0;
    const g = groups.find((x) => x.runUntagged === untagged && x.tags.join("+") === tags.join("+"));
    if (g) poolOfRunner.set(r.id, g.pool);
  }
  const out = new Map<number, string>();
  for (const [jobId, { runnerId }] of recorded) {
    const pool = runnerId === null ? undefined : poolOfRunner.get(runnerId);
    if (pool !== undefined) out.set(jobId, pool);
  }
  return out;
}
