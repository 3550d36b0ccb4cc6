import type { JobQueued, RunnerState } from "@switchyard/contracts";
import { defaultWeights } from "@switchyard/decision";
import { createBus, createLogger, createMetrics, connectNats, connectRedis } from "@switchyard/runtime";
import type { TestEnv } from "@switchyard/testing";
import { createScorer, type Scorer, type ScorerDeps } from "../src/scorer.js";

/** Starts a scorer in this process against the test env's prefix; `stop` closes its own connections. */
export async function startScorer(env: TestEnv, scorerId: string, config: Partial<ScorerDeps["config"]> = {}): Promise<Scorer & { close(): Promise<void> }> {
  const log = createLogger({ name: scorerId, level: "silent" });
  const metrics = createMetrics("scorer");
  const nc = await connectNats(env.natsUrl, scorerId, log);
  const redis = await connectRedis(env.redisUrl, scorerId, log);
  const bus = createBus({ nc, prefix: env.prefix, agent: "scorer", log, metrics });
  const scorer = createScorer({
    bus, redis, keys: env.keys, log, metrics, scorerId,
    config: { pools: [], weights: defaultWeights, queueGroup: `${env.prefix}-scorers`, runnerCacheRefreshMs: 100, maxCandidates: 50, maxRejections: 100, statsWindow: 50, publishScored: false, ...config },
  });
  await scorer.start();
  let closed: Promise<void> | undefined;
  return Object.assign(scorer, {
    close: () => (closed ??= (async () => {
      await scorer.stop();
      await nc.drain();
      await redis.quit();
    })()),
  });
}

/** A runner state as the monitor writes it. */
export function runnerState(runnerId: string, overrides: Partial<RunnerState> = {}): RunnerState {
  return {
    v: 1, runnerId, description: runnerId, pool: "linux", tags: ["linux"], runUntagged: false, protected: false,
    paused: false, status: "online", draining: false, healthy: true, limit: 4, running: 0, runningJobIds: [],
    diskUsedRatio: 0.2, cpus: 4, memoryGiB: 8, version: "17.0.0", contactedAt: Date.now(), updatedAt: Date.now(), ...overrides,
  };
}

/** A queued job offered to the given open runners. */
export function queuedJob(jobId: number, openRunners: JobQueued["openRunners"], overrides: Partial<JobQueued> = {}): JobQueued {
  return {
    v: 1, jobId, pool: "linux", projectId: 7, projectPath: "group/app", pipelineId: 100, name: "build", stage: "build",
    ref: "main", protectedRef: false, pipelineSource: "push", environment: null, jobClass: "default", tier: "autonomous",
    priority: 20, arrivedAt: Date.now(), gitlabQueueSeconds: 0, timeoutSeconds: 3600, openRunners, ...overrides,
  };
}

/** Writes runner states into the monitor's HASH. */
export async function writeRunners(env: TestEnv, states: RunnerState[]): Promise<void> {
  await env.redis.hset(env.keys.runners, Object.fromEntries(states.map((s) => [s.runnerId, JSON.stringify(s)])));
}
