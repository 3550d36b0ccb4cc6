import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { redisClientOptions, type RedisTarget } from "./redis-options.js";
import { dropStaleFailoverDetector, reviveWhenEnded } from "./redis-revive.js";

export { Redis } from "ioredis";
export { parseSentinels, reconnectOnReadonly, redisClientOptions, type RedisTarget } from "./redis-options.js";
export { dropStaleFailoverDetector, reviveWhenEnded, type RedisRevival, type ReviveDeps } from "./redis-revive.js";

/** The Redis found is one Switchyard cannot run on (a Cluster node, or a Sentinel given as REDIS_URL): never retried. */
export class RedisModeUnsupported extends Error {
  readonly code = "REDIS_MODE_UNSUPPORTED";
  readonly retryable = false;
  constructor(readonly mode: string, message: string) {
    super(message);
    this.name = "RedisModeUnsupported";
  }
}

/**
 * Connects to Redis (one URL, or the primary the Sentinels name) with endless reconnects and a
 * bounded command queue while offline; refuses a Redis Cluster or a Sentinel as the data node.
 * A client that ends by itself later is connected again (redis-revive.ts), counted on `registry`.
 */
export async function connectRedis(target: RedisTarget | string, name: string, log: Logger, options: { registry?: Registry } = {}): Promise<Redis> {
  const resolved = typeof target === "string" ? { redisUrl: target } : target;
  const redis = resolved.redisSentinels ? new Redis(redisClientOptions(resolved, name)) : new Redis(resolved.redisUrl, redisClientOptions(resolved, name));
  dropStaleFailoverDetector(redis);
  let lastError = "";
  redis.on("error", (err: Error) => {
    if (err.message !== lastError) log.warn({ err: err.message }, "redis error");
    lastError = err.message;
  });
  redis.on("ready", () => { lastError = ""; });
  await redis.connect();
  try {
    await refuseUnsupportedMode(redis);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  // Only once connected: a client whose first connect failed is its caller's to retry or give up.
  reviveWhenEnded(redis, { log, ...(options.registry ? { registry: options.registry } : {}) });
  return redis;
}

/**
 * Switchyard's scripts touch keys of several hash slots (queue, job record, per-project counters),
 * which a Cluster refuses with CROSSSLOT on the first dispatch: fail at start-up instead, clearly.
 * A Sentinel answers INFO and PING like a data node, so a REDIS_URL pointing at one looked ready
 * while every command failed.
 */
async function refuseUnsupportedMode(redis: Redis): Promise<void> {
  // A user whose ACL denies INFO cannot be checked: let it through rather than refuse a working Redis.
  const info = await redis.info("server").catch((err: Error) => { if (err.message.startsWith("NOPERM")) return ""; throw err; });
  const mode = /^redis_mode:(\S+)/m.exec(info)?.[1] ?? "standalone";
  if (mode === "cluster") {
    throw new RedisModeUnsupported(mode, "Redis Cluster is not supported (redis_mode:cluster): Switchyard's queue scripts span keys of several hash slots. Use one primary with replicas, and Redis Sentinel (REDIS_SENTINELS) for failover");
  }
  if (mode === "sentinel") {
    throw new RedisModeUnsupported(mode, "REDIS_URL points at a Redis Sentinel (redis_mode:sentinel), not at a data node: set REDIS_SENTINELS=host:port,... and REDIS_SENTINEL_NAME instead");
  }
}

/** Deletes every key under a prefix (`<prefix>:*`), in batches: demo, bench and test clean-up. */
export async function deletePrefixKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    if (keys.length > 0) deleted += await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  return deleted;
}
