import { contracts, decode, ContractViolation, type Subjects } from "@switchyard/contracts";
import type { Metrics, RedisKeys } from "@switchyard/runtime";
import { jetstream, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { createBurnRateTracker } from "./burn-rate.js";
import type { OptimizerConfig } from "./config.js";
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
  config: Pick<OptimizerConfig, "jobQueuingDurations" | "classTargets" | "durableName" | "seenJobTtlSeconds">;
  now?: () => number;
}

/** The optimizer agent's behaviour: reads job outcomes durably and maintains the queue-time SLI. */
export interface Optimizer {
  readonly sli: SliMetrics;
  readonly observer: SliObserver;
  /** Ensures the outcome stream and durable consumer, then consumes until stopped. */
  start(): Promise<void>;
  /** Stops consuming; unacknowledged outcomes are redelivered to the next instance. */
  stop(): Promise<void>;
}

const REDELIVER_AFTER_FAILURE_MS = 1_000;

/** Builds the optimizer; nothing touches NATS until `start()`. */
export function createOptimizer(deps: OptimizerDeps): Optimizer {
  const log = deps.log.child({ component: "optimizer" });
  const entries = compileJobQueuingDurations(deps.config.jobQueuingDurations);
  const burnRates = createBurnRateTracker({ retainMs: Math.max(...Object.values(BURN_RATE_WINDOWS)) });
  const sli = createSliMetrics({
    registry: deps.metrics.registry, burnRates, targets: deps.config.classTargets, ...(deps.now ? { now: deps.now } : {}),
  });
  const store = createSliSummaryStore({ redis: deps.redis, keys: deps.keys, seenTtlSeconds: deps.config.seenJobTtlSeconds });
  const observer = createSliObserver({ store, metrics: sli, burnRates, entries, targets: deps.config.classTargets, log });
  let messages: ConsumerMessages | null = null;
  let loop: Promise<void> | null = null;

  async function handle(msg: JsMsg): Promise<void> {
    let outcome;
    try {
      outcome = decode(contracts.jobOutcome, msg.string());
    } catch (err) {
      if (!(err instanceof ContractViolation)) throw err;
      deps.metrics.invalidMessages.inc({ contract: contracts.jobOutcome.name, agent: "optimizer" });
      log.warn({ subject: msg.subject, seq: msg.seq, reason: err.reason }, "invalid job outcome dropped");
      msg.term(err.reason.slice(0, 200));
      return;
    }
    try {
      await observer.observe(outcome);
      msg.ack();
    } catch (err) {
      log.warn({ err, jobId: outcome.jobId }, "observe job outcome failed; will be redelivered");
      msg.nak(REDELIVER_AFTER_FAILURE_MS);
    }
  }

  return {
    sli,
    observer,
    async start() {
      if (loop) return;
      await ensureOutcomeStream(deps.nc, deps.subjects);
      await ensureOutcomeConsumer(deps.nc, deps.subjects, deps.config.durableName);
      const consumer = await jetstream(deps.nc).consumers.get(deps.subjects.outcomeStream, deps.config.durableName);
      const current = await consumer.consume({ max_messages: 256 });
      messages = current;
      loop = (async () => {
        for await (const msg of current) await handle(msg);
      })().catch((err: unknown) => log.error({ err }, "outcome consumer stopped"));
      log.info({ stream: deps.subjects.outcomeStream, durable: deps.config.durableName, entries: entries.length }, "consuming job outcomes");
    },
    async stop() {
      if (!messages || !loop) return;
      await messages.close();
      await loop;
      messages = null;
      loop = null;
    },
  };
}
