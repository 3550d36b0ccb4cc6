import type { RedisOptions } from "ioredis";
import type { BaseConfig } from "./config.js";

/** Where Redis is: one URL, or Sentinels that name the primary (the URL then gives only user, password and database). */
export type RedisTarget = Pick<BaseConfig, "redisUrl"> & Partial<Pick<BaseConfig, "redisSentinels" | "redisSentinelName" | "redisSentinelPassword">>;

/** The Sentinels of a `host:port,host:port` list (`[v6]:port` too). */
export function parseSentinels(list: string): { host: string; port: number }[] {
  return list.split(",").map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const colon = entry.lastIndexOf(":");
    return { host: entry.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port: Number(entry.slice(colon + 1)) };
  });
}

/**
 * A demoted primary answers writes with READONLY, and its writes never executed: reconnect (through
 * the Sentinels, to the primary they name now) and send the command again (2), instead of failing it.
 */
export function reconnectOnReadonly(err: Error): 2 | false {
  return err.message.startsWith("READONLY") ? 2 : false;
}

/** ioredis options for one client of `target`, named `name` in CLIENT LIST. Pure: decided from config alone. */
export function redisClientOptions(target: RedisTarget, name: string): RedisOptions {
  const common: RedisOptions = {
    connectionName: name,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    // The ready check also checks the role Sentinel mode expects (INFO replication): a node that is
    // not the primary (yet, or any more) is left for the next one the Sentinels name.
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  };
  if (!target.redisSentinels) return common;
  const url = new URL(target.redisUrl);
  const db = Number(url.pathname.replace(/^\//, "") || 0);
  return {
    ...common,
    sentinels: parseSentinels(target.redisSentinels),
    name: target.redisSentinelName ?? "mymaster",
    role: "master",
    ...(target.redisSentinelPassword ? { sentinelPassword: target.redisSentinelPassword } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db,
    // rediss:// keeps TLS (and NODE_EXTRA_CA_CERTS for a private CA) to the data nodes; the Sentinels
    // themselves are asked in plain text, as Sentinel's own tls-port is rarely set.
    ...(url.protocol === "rediss:" ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    // Each client subscribes to +switch-master on the Sentinels and drops its connection the moment
    // they switch: without it, a client still connected to a primary that was cut off (not killed)
    // kept writing there until its socket broke, and those writes were lost when it rejoined as a replica.
    failoverDetector: true,
    reconnectOnError: reconnectOnReadonly,
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  };
}
