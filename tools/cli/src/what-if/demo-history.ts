// A synthetic CI history for `npm run what-if:demo`, the what-if tests and the README's report: bursts of pipelines on a small
// fleet, production deploys after main pipelines, "recorded" by replaying it under FIFO (what GitLab
// did), then loaded into the simulated GitLab as jobs that already ran.
import { buildFleet, createFifoPolicy, simulate, type FleetSpec, type TraceJob } from "@switchyard/bench";
import { compileClassRules, defaultClassRules } from "@switchyard/decision";
import { mulberry32, randomInt, type HistoryJobInput, type RunnerRegistrationInput } from "@switchyard/gitlab-sim";

export interface SyntheticHistory {
  /** Registered with the simulated GitLab: `linux` runners, then `macos` ones. */
  runners: RunnerRegistrationInput[];
  jobs: HistoryJobInput[];
  /** GitLab pool → runners, as the what-if should find them. */
  runnersPerPool: Record<string, number>;
}

const PROJECTS = [
  { id: 11, path: "acme/shop/web" }, { id: 12, path: "acme/shop/api" }, { id: 13, path: "acme/tools" },
];
const T0 = Date.parse("2026-03-02T08:00:00.000Z");
const DAY = 24 * 3600;
const WORKDAY = 10 * 3600;

/**
 * `days` working days of history (pipelines 08:00-18:00, in bursts, none at night so queues drain) on
 * 8 linux and 2 macos runners of one slot each: about 60% busy on average, queued in the bursts.
 */
export function syntheticHistory(seed: number, days: number, fleet = { linux: 8, macos: 2 }): SyntheticHistory {
  const random = mulberry32(seed);
  const trace: TraceJob[] = [];
  let jobId = 1;
  let pipelineId = 5000;
  for (let t = 0; t < days * DAY;) {
    if (t % DAY >= WORKDAY) { t = (Math.floor(t / DAY) + 1) * DAY; continue; }
    // Bursts: a merge train every ~40 min brings several pipelines at once; quieter minutes between.
    const burst = random() < 0.15 ? randomInt(random, 3, 6) : 1;
    for (let b = 0; b < burst; b++) {
      const project = PROJECTS[randomInt(random, 0, PROJECTS.length - 1)]!;
      const onMain = random() < 0.35;
      const pipeline = ++pipelineId;
      const created = t + b * randomInt(random, 5, 40);
      const base = { project: project.path, pipelineId: pipeline, refClass: onMain ? "default" as const : "merge_request" as const,
        pipelineSource: onMain ? "push" : "merge_request_event", status: "success", injected: false, environment: null, environmentTier: null };
      const tests = randomInt(random, 3, 7);
      for (let i = 0; i < tests; i++) {
        const macos = i === 0 && random() < 0.6;
        trace.push({ ...base, jobId: jobId++, createdAt: created, stage: "test", name: macos ? "test:macos" : `test:${i}`, pool: macos ? "macos" : "linux",
          durationS: randomInt(random, 120, macos ? 1200 : 600), afterPipeline: false });
      }
      if (onMain && random() < 0.6) {
        trace.push({ ...base, jobId: jobId++, createdAt: created, stage: "deploy", name: "deploy:production", pool: "linux",
          durationS: randomInt(random, 60, 180), environment: "production", environmentTier: "production", afterPipeline: true });
      }
    }
    t += randomInt(random, 240, 900);
  }
  const spec: FleetSpec = { runnersPerPool: fleet, shapes: [{ name: "gitlab", limit: 1, speed: 1, cpus: 4 }] };
  const specs = buildFleet(spec);
  const recorded = simulate({ trace, runners: specs, policy: createFifoPolicy(), rules: compileClassRules(defaultClassRules), compression: 1 });
  const runnerIdOf = new Map(specs.map((r, i) => [r.runnerId, i + 1]));
  const runners = specs.map((r, i): RunnerRegistrationInput => ({
    id: i + 1, token: `glrt-history-${i + 1}-xxxxxxxxxx`, description: r.runnerId, tags: [r.pool], runUntagged: false, runnerType: "instance_type",
  }));
  const at = (ms: number) => T0 + ms;
  const jobs = recorded.jobs.filter((j) => j.startedAt !== null).map((j): HistoryJobInput => {
    const project = PROJECTS.find((p) => p.path === j.trace.project)!;
    const isMain = j.trace.refClass === "default";
    return {
      name: j.trace.name, stage: j.trace.stage, projectId: project.id, projectPath: project.path, pipelineId: j.trace.pipelineId,
      pipelineSource: isMain ? "push" : "merge_request_event", ref: isMain ? "main" : `refs/merge-requests/${j.trace.pipelineId}/head`,
      tags: [j.pool], ...(j.trace.environment ? { environment: { name: j.trace.environment, tier: "production" as const } } : {}),
      createdAt: at(j.trace.createdAt * 1000), queuedAt: at(j.arrivedAt), startedAt: at(j.startedAt!), finishedAt: at(j.finishedAt!),
      runnerId: runnerIdOf.get(j.runnerId!)!,
    };
  });
  return { runners, jobs, runnersPerPool: { ...fleet } };
}
