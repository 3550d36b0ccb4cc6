import { contracts, DECISION_CANDIDATES, type JobBatchQueued, type JobBatchScored, type JobQueued, type JobScored } from "@switchyard/contracts";
import { scoreJob } from "@switchyard/decision";
import type { Bus, Logger, Metrics, RecordReader, Redis, RedisKeys } from "@switchyard/runtime";
import type { Msg, Subscription } from "@nats-io/transport-node";
import type { ScorerConfig } from "./config.js";
import { createScorerMetrics } from "./metrics.js";
import { createRunnerCache } from "./runner-cache.js";
import { createRunnerStats } from "./runner-stats.js";
import { buildRunnerViews } from "./runner-views.js";
import { createWeightsStore, type CurrentWeights } from "./weights-store.js";

/** What a scorer needs; main.ts builds these from the agent runtime, tests from a test env. */
export interface ScorerDeps {
  bus: Bus;
  redis: Redis;
  keys: RedisKeys;
  log: Logger;
  metrics: Metrics;
  scorerId: string;
  /** The runtime's reader of shared Redis records (runner states, weights); tests may leave it out. */
  records?: RecordReader;
  config: Pick<ScorerConfig, "pools" | "weights" | "queueGroup" | "runnerCacheRefreshMs" | "maxCandidates" | "maxRejections" | "statsWindow" | "publishScored">;
  now?: () => number;
}

/** A running scorer: answers JobQueued and JobBatchQueued requests in its queue group with ranked candidates. */
export interface Scorer {
  start(): Promise<void>;
  stop(): Promise<void>;
  weights(): CurrentWeights;
  /** Scores one job as a request would be answered (also used by start's subscription). */
  score(job: JobQueued): JobScored;
  /** Scores a dispatch round's jobs as a batch request would be answered. */
  scoreBatch(batch: JobBatchQueued): JobBatchScored;
}

const MAX_REASON = 256;

/** Wires runner cache, outcome stats and weights into the JobQueued → JobScored loop. */
/** Largest version step a weights update may take past the scorer's current weights. */
export const MAX_WEIGHTS_VERSION_STEP = 1_000;

export function createScorer(deps: ScorerDeps): Scorer {
  const log = deps.log.child({ component: "scorer" });
  const now = deps.now ?? Date.now;
  const { bus, config } = deps;
  const metrics = createScorerMetrics(deps.metrics.registry, { pools: config.pools });
  const cache = createRunnerCache({
    redis: deps.redis, runnersKey: deps.keys.runners, bus, log, refreshMs: config.runnerCacheRefreshMs,
    onSize: (n) => metrics.cachedRunners.set(n), ...(deps.records ? { records: deps.records } : {}),
  });
  const stats = createRunnerStats({ window: config.statsWindow });
  const weights = createWeightsStore({ redis: deps.redis, key: deps.keys.weights, initial: config.weights, log, ...(deps.records ? { records: deps.records } : {}) });
  const subscriptions: Subscription[] = [];

  /** Ranks one job's runners with the weights given (one weights read per request, batch or not). */
  function rank(job: JobQueued, current: CurrentWeights): Pick<JobScored, "candidates" | "rejected"> {
    const started = performance.now();
    stats.noteQueued(job);
    const views = buildRunnerViews(job, cache, stats, () => metrics.unknownRunners.inc());
    const result = scoreJob(job, views, { weights: current.weights });
    metrics.latency.observe({ pool: job.pool }, (performance.now() - started) / 1000);
    metrics.jobsScored.inc({ pool: job.pool });
    return {
      candidates: result.candidates.slice(0, config.maxCandidates),
      rejected: result.rejected.slice(0, config.maxRejections).map((r) => ({ ...r, reason: r.reason.slice(0, MAX_REASON) })),
    };
  }

  function score(job: JobQueued): JobScored {
    const started = performance.now();
    const current = weights.current();
    const ranked = rank(job, current);
    return {
      v: 1, jobId: job.jobId, pool: job.pool, ...ranked,
      weightsVersion: current.version, scorerId: deps.scorerId, scoredAt: now(), latencyMs: performance.now() - started,
    };
  }

  function scoreBatch(batch: JobBatchQueued): JobBatchScored {
    const started = performance.now();
    const current = weights.current();
    const results = batch.jobs.map((job) => {
      const { candidates, rejected } = rank({ v: 1, ...job, pool: batch.pool, openRunners: batch.openRunners }, current);
      // Placement reads runner and total; only the candidates a decision keeps need their breakdown.
      const compact = candidates.map((c, i) => (i < DECISION_CANDIDATES ? c : { ...c, contributions: [] }));
      return { jobId: job.jobId, candidates: compact, rejected };
    });
    return {
      v: 1, pool: batch.pool, results,
      weightsVersion: current.version, scorerId: deps.scorerId, scoredAt: now(), latencyMs: performance.now() - started,
    };
  }

  function onJobQueued(job: JobQueued, msg: Msg): void {
    const scored = score(job);
    if (msg.reply) bus.respond(msg, contracts.jobScored, scored);
    // The assigner reads the reply and every decision carries its scores; a second copy per job cost the
    // scorer 11% of its CPU for no reader, so observers opt in.
    if (config.publishScored) bus.publish(contracts.jobScored, bus.subjects.jobScored(job.pool), scored);
  }

  function onJobBatchQueued(batch: JobBatchQueued, msg: Msg): void {
    const scored = scoreBatch(batch);
    if (msg.reply) bus.respond(msg, contracts.jobBatchScored, scored);
    if (!config.publishScored) return;
    const { results, ...common } = scored;
    for (const result of results) {
      bus.publish(contracts.jobScored, bus.subjects.jobScored(batch.pool), { ...common, ...result, latencyMs: scored.latencyMs / scored.results.length });
    }
  }

  return {
    score,
    scoreBatch,
    weights: () => weights.current(),
    async start() {
      await weights.load().catch((err: unknown) => log.warn({ err: (err as Error).message }, "could not load stored weights; using configured ones"));
      subscriptions.push(bus.subscribe(contracts.weightsUpdate, bus.subjects.weightsUpdate, async (update) => {
        await weights.apply(update);
      }, {
        // The optimizer steps the version by one per tuning; a huge jump would make every later real
        // update look stale (and be persisted), so it is refused, counted and dead-lettered.
        plausible: (update) => {
          const current = weights.current().version;
          return update.version > current + MAX_WEIGHTS_VERSION_STEP ? `version ${update.version} jumps more than ${MAX_WEIGHTS_VERSION_STEP} past ${current}` : null;
        },
      }));
      subscriptions.push(bus.subscribe(contracts.jobOutcome, bus.subjects.jobOutcomeAll, (outcome) => stats.recordOutcome(outcome)));
      await cache.start();
      // Per-job requests stay answered: an assigner not yet upgraded still asks one job at a time.
      subscriptions.push(bus.subscribe(contracts.jobQueued, bus.subjects.jobQueuedAll, onJobQueued, { queue: config.queueGroup }));
      subscriptions.push(bus.subscribe(contracts.jobBatchQueued, bus.subjects.jobBatchQueuedAll, onJobBatchQueued, { queue: config.queueGroup }));
      // Make sure the server has our interest before callers start sending requests.
      await bus.nc.flush();
      log.info({ runners: cache.size, weightsVersion: weights.current().version, queueGroup: config.queueGroup }, "scorer started");
    },
    async stop() {
      cache.stop();
      for (const s of subscriptions.splice(0)) {
        await s.drain().catch(() => s.unsubscribe());
      }
    },
  };
}
