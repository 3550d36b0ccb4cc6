import { contracts, type Contract, type Subjects } from "@switchyard/contracts";
import { defaultClassRules } from "@switchyard/decision";
import { createBus, createRecordReader, ensureDeadLetterStream, type Bus, type Metrics, type RecordReader, type RedisKeys } from "@switchyard/runtime";
import { jetstream, type ConsumerMessages } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Redis } from "ioredis";
import { Counter } from "prom-client";
import type { Logger } from "pino";
import { createBurnRateTracker } from "./burn-rate.js";
import { createAutoscaler, type Autoscaler } from "./capacity/autoscaler.js";
import type { AutoscalingConfig } from "./capacity/autoscaling-config.js";
import { createCapacityMetrics } from "./capacity/capacity-metrics.js";
import { readPoolSnapshots } from "./capacity/pool-snapshot.js";
import { compilePoolScaling } from "./capacity/scaling-policy.js";
import { createDurationLearner, type DurationLearner, type DurationLearningSettings } from "./learning/duration-learner.js";
import { createLearner, type Learner } from "./learning/learner.js";
import type { LearningConfig } from "./learning/learning-config.js";
import type { Provisioner } from "./provisioning/provisioner.js";
import type { ClassTarget, OptimizerConfig } from "./config.js";
import { createOutcomeHandler } from "./outcome-handler.js";
import { createShadowFifoTracker, type ShadowFifoSettings, type ShadowFifoTracker } from "./shadow/shadow-fifo-tracker.js";
import { ensureOutcomeConsumer, ensureOutcomeStream } from "./outcome-stream.js";
import { BURN_RATE_WINDOWS, createSliMetrics, type SliMetrics } from "./sli-metrics.js";
import { createSliObserver, type SliObserver } from "./sli-observer.js";
import { createSliSummaryStore } from "./sli-summary-store.js";
import { compileJobQueuingDurations } from "./sli/job-queuing-durations.js";

/** What the optimizer needs from its process; `main.ts` builds these from the agent runtime. */
export interface OptimizerDeps {
  nc: NatsConnection;
  redis: Redis;
  keys: RedisKeys;
  subjects: Subjects;
  metrics: Metrics;
  log: Logger;
  /**
   * The validating bus every plain-NATS subscription goes through (a bad message is counted, logged once,
   * dead-lettered, never thrown); `main.ts` passes the runtime's, tests may leave it to be built on `nc`.
   */
  bus?: Bus;
  /** The runtime's reader of shared Redis records (runner states, queued jobs); else one counted on `metrics`. */
  records?: RecordReader;
  config: Pick<OptimizerConfig, "jobQueuingDurations" | "classTargets" | "durableName" | "seenJobTtlSeconds"> & Partial<Pick<OptimizerConfig, "outcomeRetry" | "jetstreamReplicas">> & {
    /** Pool names whose series exist from the first scrape (absent = only pools seen in Redis). */
    pools?: readonly string[];
    /** Outcome learning; absent = off. */
    learning?: LearningConfig;
    /** Run-time learning for the assigner's queue order; absent = off. */
    durations?: DurationLearningSettings;
    /** The shadow FIFO report; absent = off. */
    shadowFifo?: ShadowFifoSettings;
    /** Autoscaling; off without pools or without a provisioner. */
    autoscaling?: AutoscalingConfig;
  };
  /** This process's instance id: owner of the machines it creates. */
  instanceId?: string;
  provisioner?: Provisioner;
  now?: () => number;
}

/** The optimizer agent's behaviour: reads job outcomes durably and maintains the queue-time SLI. */
export interface Optimizer {
  readonly sli: SliMetrics;
  readonly observer: SliObserver;
  readonly learner: Learner | null;
  readonly durations: DurationLearner | null;
  readonly shadowFifo: ShadowFifoTracker | null;
  readonly autoscaler: Autoscaler | null;
  /** Ensures the outcome stream and durable consumer, then consumes until stopped. */
  start(): Promise<void>;
  /** Stops consuming; unacknowledged outcomes are redelivered to the next instance. */
  stop(): Promise<void>;
}

const DEFAULT_RETRY = { maxDeliver: 20, firstDelayMs: 1_000, maxDelayMs: 60_000 } as const;

/** The built-in job classes and those with a target: their SLI series exist from the first scrape. */
function knownJobClasses(targets: readonly ClassTarget[]): string[] {
  return [...new Set([...defaultClassRules.map((r) => r.jobClass ?? r.name), ...targets.map((t) => t.jobClass)])];
}

/** Builds the optimizer; nothing touches NATS until `start()`. */
export function createOptimizer(deps: OptimizerDeps): Optimizer {
  const log = deps.log.child({ component: "optimizer" });
  const records = deps.records ?? createRecordReader(log, deps.metrics.unreadableRecords);
  const entries = compileJobQueuingDurations(deps.config.jobQueuingDurations);
  const burnRates = createBurnRateTracker({ retainMs: Math.max(...Object.values(BURN_RATE_WINDOWS)) });
  const scaling = deps.config.autoscaling;
  const autoscaledPools = (scaling?.pools ?? []).map((p) => p.pool);
  const knownPools = [...new Set([...(deps.config.pools ?? []), ...autoscaledPools])];
  const jobClasses = knownJobClasses(deps.config.classTargets);
  const sli = createSliMetrics({
    registry: deps.metrics.registry, burnRates, targets: deps.config.classTargets, known: { pools: knownPools, jobClasses },
    ...(deps.now ? { now: deps.now } : {}),
  });
  const capacity = createCapacityMetrics({
    registry: deps.metrics.registry, log, known: { pools: knownPools, autoscaledPools, jobClasses },
    readPools: () => readPoolSnapshots(deps.redis, deps.keys, records, knownPools, (deps.now ?? Date.now)()),
  });
  // The outcome handler decodes JetStream messages itself (outside the bus): its violation count starts at 0.
  deps.metrics.invalidMessages.inc({ contract: contracts.jobOutcome.name, agent: "optimizer" }, 0);
  const bus = deps.bus ?? createBus({ nc: deps.nc, prefix: deps.subjects.prefix, agent: "optimizer", log: deps.log, metrics: deps.metrics });
  const store = createSliSummaryStore({ redis: deps.redis, keys: deps.keys, seenTtlSeconds: deps.config.seenJobTtlSeconds });
  const observer = createSliObserver({ store, metrics: sli, burnRates, entries, targets: deps.config.classTargets, log });
  const publish = <T>(contract: Contract<T>, subject: string, payload: T): void => bus.publish(contract, subject, payload);
  const learner = deps.config.learning ? createLearner({
    redis: deps.redis, keys: deps.keys, subjects: deps.subjects, publish, config: deps.config.learning, log,
    ...(deps.now ? { now: deps.now } : {}),
  }) : null;
  const durations = deps.config.durations ? createDurationLearner({
    redis: deps.redis, keys: deps.keys, config: deps.config.durations, log, ...(deps.now ? { now: deps.now } : {}),
  }) : null;
  const shadowFifo = deps.config.shadowFifo ? createShadowFifoTracker({
    redis: deps.redis, keys: deps.keys, config: deps.config.shadowFifo, registry: deps.metrics.registry, log,
    readSlots: async () => new Map((await readPoolSnapshots(deps.redis, deps.keys, records, knownPools, (deps.now ?? Date.now)())).map((p) => [p.pool, p.jobLimit])),
    ...(deps.now ? { now: deps.now } : {}),
  }) : null;
  const autoscaler = scaling && scaling.pools.length > 0 && deps.provisioner ? createAutoscaler({
    redis: deps.redis, keys: deps.keys, provisioner: deps.provisioner, pools: scaling.pools.map(compilePoolScaling),
    owner: deps.instanceId ?? `optimizer-${process.pid}`, intervalMs: scaling.intervalMs, leaseTtlMs: scaling.leaseTtlMs,
    ownerTtlMs: scaling.ownerTtlMs, orphans: scaling.orphans, publish, eventSubject: deps.subjects.event,
    metrics: capacity, log, records, ...(deps.now ? { now: deps.now } : {}),
  }) : null;
  let messages: ConsumerMessages | null = null;
  let loop: Promise<void> | null = null;
  let recycleRequests: Subscription | null = null;

  /** The monitor asks for a drained, idle runner's host to be destroyed; the autoscaler replaces it. */
  function listenForRecycling(scaler: Autoscaler): Subscription {
    return bus.subscribe(contracts.fleetEvent, deps.subjects.event("runner.recycle-requested"), (request) => {
      if (!request.runnerId || !request.pool) return;
      void scaler.recycle(request.runnerId, request.pool, request.reason)
        .catch((err: unknown) => log.warn({ err: (err as Error).message, runnerId: request.runnerId }, "recycle failed"));
    });
  }

  const deadLettered = new Counter({
    name: "switchyard_outcomes_dead_lettered_total",
    help: "Job outcomes parked on the dead-letter stream: invalid, or not applied after every delivery",
    labelNames: ["cause"] as const,
    registers: [deps.metrics.registry],
  });
  const handle = createOutcomeHandler({
    js: jetstream(deps.nc), subjects: deps.subjects, agent: "optimizer", retry: deps.config.outcomeRetry ?? DEFAULT_RETRY,
    invalidMessages: deps.metrics.invalidMessages, deadLettered, log,
    apply: async (outcome) => {
      await observer.observe(outcome);
      learner?.observeOutcome(outcome);
      durations?.observeOutcome(outcome);
      shadowFifo?.observeOutcome(outcome);
      if (outcome.phase === "finished" && outcome.runnerId !== null) autoscaler?.noteJobFinished(outcome.runnerId);
    },
  });

  return {
    sli,
    observer,
    learner,
    durations,
    shadowFifo,
    autoscaler,
    async start() {
      if (loop) return;
      learner?.start();
      await durations?.start();
      autoscaler?.start();
      shadowFifo?.start();
      if (autoscaler) recycleRequests = listenForRecycling(autoscaler);
      const replicas = deps.config.jetstreamReplicas ?? 1;
      await ensureOutcomeStream(deps.nc, deps.subjects, { replicas });
      await ensureDeadLetterStream(deps.nc, deps.subjects, { replicas });
      await ensureOutcomeConsumer(deps.nc, deps.subjects, deps.config.durableName, (deps.config.outcomeRetry ?? DEFAULT_RETRY).maxDeliver);
      const consumer = await jetstream(deps.nc).consumers.get(deps.subjects.outcomeStream, deps.config.durableName);
      const current = await consumer.consume({ max_messages: 256 });
      messages = current;
      loop = (async () => {
        for await (const msg of current) await handle(msg);
      })().catch((err: unknown) => log.error({ err }, "outcome consumer stopped"));
      log.info({ stream: deps.subjects.outcomeStream, durable: deps.config.durableName, entries: entries.length }, "consuming job outcomes");
    },
    async stop() {
      recycleRequests?.unsubscribe();
      shadowFifo?.stop();
      await autoscaler?.stop();
      await learner?.stop();
      await durations?.stop();
      if (!messages || !loop) return;
      await messages.close();
      await loop;
      messages = null;
      loop = null;
    },
  };
}
