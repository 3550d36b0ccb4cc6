import { Redis } from "ioredis";
import type { Logger } from "pino";

export { Redis } from "ioredis";

/** Connects to Redis with endless reconnects and a bounded command queue while offline. */
export async function connectRedis(url: string, name: string, log: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  let lastError = "";
  redis.on("error", (err: Error) => {
    if (err.message !== lastError) log.warn({ err: err.message }, "redis error");
    lastError = err.message;
  });
  redis.on("ready", () => { lastError = ""; });
  await redis.connect();
  return redis;
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
