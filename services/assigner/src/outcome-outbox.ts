import { runScript } from "@switchyard/runtime";
import { contracts, type JobOutcome, type Subjects } from "@switchyard/contracts";
import type { Logger } from "@switchyard/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Redis } from "ioredis";
import type { Counter, Gauge } from "prom-client";
import type { OutboxWrite } from "./queue/held-jobs.js";
import { OUTBOX_ADD } from "./queue/lua.js";

/**
 * At-least-once delivery of job outcomes to JetStream. An outcome is first written to a Redis hash
 * (in the same script that forgets the job, where the job ends: see DispatchQueue.forget), then
 * published with its msgID (`<jobId>:<phase>`) and deleted only once JetStream acknowledged it. While
 * NATS is down the outbox fills and is drained with a doubling delay when it is back; two replicas
 * draining the same entry publish it twice, and JetStream's duplicate window drops the second copy.
 * Bounded: past `maxEntries` an outcome is dropped and counted, never blocking a job.
 */
export interface OutcomeOutbox {
  /** What DispatchQueue.forget writes with the job's end, so the two happen in one Redis step. */
  entry(outcome: JobOutcome): OutboxWrite;
  /** Writes an outcome that ends nothing (a start); false when the outbox is full. */
  add(outcome: JobOutcome): Promise<boolean>;
  /** An entry went in (or was dropped when `added` is false): count it, and drain now. */
  written(outcome: JobOutcome, added: boolean): void;
  /** Publishes what is waiting; resolves false when NATS failed (a later pass retries). */
  drain(): Promise<boolean>;
  stop(): void;
}

export interface OutcomeOutboxDeps {
  redis: Redis;
  key: string;
  js: JetStreamClient;
  subjects: Subjects;
  log: Logger;
  maxEntries: number;
  /** Called after a failed publish (the stream may be missing: a NATS without its data). */
  ensureStream: () => Promise<unknown>;
  metrics: {
    depth: Gauge;
    publishFailures: Counter;
    dropped: Counter<"reason">;
    outcomes: Counter<"pool" | "phase" | "status">;
  };
  /** First wait after a failed drain, doubled per failure up to `maxRetryMs`. */
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** A drain runs at least this often, for entries another (dead) replica left. */
  idleDrainMs?: number;
  publishTimeoutMs?: number;
}

const BATCH = 200;

export function createOutcomeOutbox(deps: OutcomeOutboxDeps): OutcomeOutbox {
  const log = deps.log.child({ component: "outcome-outbox" });
  const firstRetryMs = deps.firstRetryMs ?? 500;
  const maxRetryMs = deps.maxRetryMs ?? 30_000;
  const idleDrainMs = deps.idleDrainMs ?? 5_000;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<boolean> | null = null;
  let again = false;
  let stopped = false;
  let warned = false;

  const entry = (outcome: JobOutcome): OutboxWrite => ({
    key: deps.key, msgId: `${outcome.jobId}:${outcome.phase}`, maxEntries: deps.maxEntries,
    // Validated on the way in: the writer owns the contract, and a bad outcome must never sit in the outbox.
    json: JSON.stringify(contracts.jobOutcome.schema.parse(outcome)),
  });

  async function publishAll(): Promise<boolean> {
    let cursor = "0";
    do {
      const [next, flat] = await deps.redis.hscan(deps.key, cursor, "COUNT", BATCH);
      cursor = next;
      const pairs: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
      const results = await Promise.allSettled(pairs.map(async ([msgId, json]) => {
        const outcome = JSON.parse(json) as JobOutcome;
        await deps.js.publish(deps.subjects.jobOutcome(outcome.pool), json, { msgID: msgId, timeout: deps.publishTimeoutMs ?? 5_000 });
        // Only the copy just published is deleted: one rewritten meanwhile (never, same id same content) stays.
        await deps.redis.hdel(deps.key, msgId);
      }));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed.length > 0) {
        deps.metrics.publishFailures.inc(failed.length);
        if (!warned) log.warn({ err: (failed[0]!.reason as Error).message, waiting: failed.length }, "outcome publish failed; kept in the outbox and retried");
        warned = true;
        return false;
      }
    } while (cursor !== "0");
    if (warned) log.info("outcome outbox drained");
    warned = false;
    return true;
  }

  async function drainOnce(): Promise<boolean> {
    let ok = false;
    try {
      ok = await publishAll();
    } catch (err) {
      // Redis unreachable: nothing can be read or deleted; the next pass tries again.
      if (!warned) log.warn({ err: (err as Error).message }, "outcome outbox unreadable; retried");
      warned = true;
    }
    deps.redis.hlen(deps.key).then((n) => deps.metrics.depth.set(n), () => undefined);
    if (!ok) await deps.ensureStream().catch(() => undefined);
    return ok;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void drain(), delayMs);
    timer.unref();
  }

  function drain(): Promise<boolean> {
    if (draining) { again = true; return draining; }
    clearTimeout(timer);
    draining = drainOnce().then((ok) => {
      failures = ok ? 0 : failures + 1;
      draining = null;
      const retryIn = Math.min(maxRetryMs, firstRetryMs * 2 ** Math.max(0, failures - 1));
      if (!ok) schedule(retryIn);
      else if (again) schedule(0);
      else schedule(idleDrainMs);
      again = false;
      return ok;
    });
    return draining;
  }

  schedule(0); // what a previous assigner left
  return {
    entry,
    async add(outcome) {
      const e = entry(outcome);
      return (await runScript(deps.redis, OUTBOX_ADD, 1, e.key, e.msgId, e.json, String(e.maxEntries))) === 1;
    },
    written(outcome, added) {
      deps.metrics.outcomes.inc({ pool: outcome.pool, phase: outcome.phase, status: outcome.status });
      if (!added) {
        deps.metrics.dropped.inc({ reason: "outbox_full" });
        log.error({ jobId: outcome.jobId, phase: outcome.phase, maxEntries: deps.maxEntries }, "outcome outbox full: outcome dropped");
        return;
      }
      // While a retry is pending (NATS down) a new entry waits for it: no publish storm.
      if (failures === 0) void drain();
    },
    drain,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
