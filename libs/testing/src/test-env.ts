import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { connect, type NatsConnection, type Msg } from "@nats-io/transport-node";
import { subjects as buildSubjects, type Subjects } from "@switchyard/contracts";
import { deletePrefixKeys, deleteStream, redisKeys, type RedisKeys } from "@switchyard/runtime";

/** The shared NATS and Redis every test talks to; CI starts them before the suite. */
export const TEST_NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A prefix no other test (or a concurrent run) shares. */
export function uniquePrefix(label: string): string {
  return `t_${label.replace(/[^A-Za-z0-9]/g, "").slice(0, 16)}_${randomBytes(4).toString("hex")}`;
}

/** One test's isolated view of NATS and Redis: its own subject and key prefix, cleaned up (keys and streams) on close. */
export interface TestEnv {
  readonly prefix: string;
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly nc: NatsConnection;
  readonly redis: Redis;
  readonly subjects: Subjects;
  readonly keys: RedisKeys;
  /** Env vars that point an agent process at this isolated prefix. */
  agentEnv(extra?: Record<string, string>): Record<string, string>;
  /** Collects every message on a subject (wildcards allowed) from now on. */
  collect(subject: string): Collected;
  close(): Promise<void>;
}

export interface Collected {
  readonly messages: Msg[];
  json<T = unknown>(): T[];
  /** Resolves when at least `count` messages arrived, or rejects after the timeout. */
  waitForCount(count: number, timeoutMs?: number): Promise<void>;
  stop(): void;
}

export async function createTestEnv(label: string): Promise<TestEnv> {
  const prefix = uniquePrefix(label);
  const nc = await connect({ servers: TEST_NATS_URL, name: prefix });
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const collectors: Collected[] = [];
  return {
    prefix,
    natsUrl: TEST_NATS_URL,
    redisUrl: TEST_REDIS_URL,
    nc,
    redis,
    subjects: buildSubjects(prefix),
    keys: redisKeys(prefix),
    agentEnv: (extra = {}) => ({
      NATS_URL: TEST_NATS_URL,
      REDIS_URL: TEST_REDIS_URL,
      SWITCHYARD_SUBJECT_PREFIX: prefix,
      SWITCHYARD_KEY_PREFIX: prefix,
      SWITCHYARD_LOG_LEVEL: "info",
      ...extra,
    }),
    collect(subject) {
      const messages: Msg[] = [];
      const waiters: { count: number; resolve: () => void }[] = [];
      const sub = nc.subscribe(subject, {
        callback: (_err, msg) => {
          messages.push(msg);
          for (const w of [...waiters]) if (messages.length >= w.count) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
        },
      });
      const collected: Collected = {
        messages,
        json: <T>() => messages.map((m) => m.json<T>()),
        waitForCount: (count, timeoutMs = 10_000) => new Promise<void>((resolve, reject) => {
          if (messages.length >= count) return resolve();
          const timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${count} messages on ${subject}, got ${messages.length}`)), timeoutMs);
          waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
        }),
        stop: () => sub.unsubscribe(),
      };
      collectors.push(collected);
      return collected;
    },
    async close() {
      for (const c of collectors) c.stop();
      await deletePrefixKeys(redis, prefix);
      await redis.quit();
      // The streams agents create under this prefix (JetStream keeps them on the shared server).
      await deleteStream(nc, buildSubjects(prefix).outcomeStream);
      await deleteStream(nc, buildSubjects(prefix).deadLetterStream);
      await nc.drain();
    },
  };
}

/** Deletes every key matching a pattern, in batches. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** Polls a condition until it holds; for state that changes without an event to await. */
export async function waitFor<T>(check: () => T | Promise<T>, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? "condition"}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}
