import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { redisRole, startOwnRedis, startOwnSentinelGroup, waitFor, type OwnSentinelGroup } from "@switchyard/testing";
import {
  baseConfigSchema, ConfigError, connectRedis, createLogger, loadConfig, reconnectOnReadonly, redisClientOptions, RedisModeUnsupported,
} from "../src/index.js";

const log = createLogger({ name: "redis-sentinel-test", level: "silent" });

describe("Sentinel settings", () => {
  it("reads REDIS_SENTINELS, the primary's name and the Sentinels' password from a secret file", () => {
    const dir = mkdtempSync(join(tmpdir(), "switchyard-sentinel-cfg-"));
    try {
      writeFileSync(join(dir, "pw"), "s3cret\n");
      const config = loadConfig(baseConfigSchema, { env: {
        REDIS_SENTINELS: "10.0.0.1:26379, sentinel-b:26380,[::1]:26381", REDIS_SENTINEL_NAME: "jobs",
        REDIS_SENTINEL_PASSWORD_FILE: join(dir, "pw"), REDIS_URL: "redis://switchyard:p%40ss@ignored:6379/3",
      } });
      const options = redisClientOptions(config, "scorer-1");
      expect(options.sentinels).toEqual([{ host: "10.0.0.1", port: 26379 }, { host: "sentinel-b", port: 26380 }, { host: "::1", port: 26381 }]);
      expect(options).toMatchObject({ name: "jobs", role: "master", sentinelPassword: "s3cret", username: "switchyard", password: "p@ss", db: 3, failoverDetector: true, enableReadyCheck: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps TLS to the data nodes when REDIS_URL is rediss://", () => {
    expect(redisClientOptions({ redisUrl: "rediss://:pw@x/0", redisSentinels: "127.0.0.1:26379" }, "x")).toMatchObject({ tls: {}, enableTLSForSentinelMode: true });
    expect(redisClientOptions({ redisUrl: "redis://:pw@x/0", redisSentinels: "127.0.0.1:26379" }, "x").tls).toBeUndefined();
  });

  it("refuses a Sentinel list that is not host:port, at start-up", () => {
    expect(() => loadConfig(baseConfigSchema, { env: { REDIS_SENTINELS: "10.0.0.1" } })).toThrow(ConfigError);
    expect(() => loadConfig(baseConfigSchema, { env: { REDIS_SENTINELS: "a:1,,b:2" } })).toThrow(/redisSentinels/);
  });

  it("reconnects and resends on READONLY only: any other error is the caller's", () => {
    expect(reconnectOnReadonly(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnectOnReadonly(new Error("ERR unknown command"))).toBe(false);
    expect(redisClientOptions({ redisUrl: "redis://127.0.0.1:6379" }, "x").reconnectOnError).toBeUndefined();
  });
});

describe("Redis modes Switchyard refuses at start-up", () => {
  it("refuses a Redis Cluster node with a clear error instead of failing every script with CROSSSLOT", async () => {
    const cluster = await startOwnRedis({ cluster: true });
    try {
      const refused = await connectRedis(cluster.url, "cluster-test", log).then(() => null, (err: unknown) => err);
      expect(refused).toBeInstanceOf(RedisModeUnsupported);
      expect((refused as RedisModeUnsupported).mode).toBe("cluster");
      expect((refused as Error).message).toMatch(/Redis Cluster is not supported.*REDIS_SENTINELS/);
    } finally {
      await cluster.close();
    }
  });
});

describe("through Redis Sentinel", () => {
  let group: OwnSentinelGroup;
  beforeAll(async () => { group = await startOwnSentinelGroup(); }, 60_000);
  afterAll(async () => { await group?.close(); });
  const target = () => ({ redisUrl: "redis://127.0.0.1:1", redisSentinels: group.sentinels, redisSentinelName: group.name });
  // A node drops its clients while it changes role: that answer is "not yet", not a test failure.
  const role = redisRole;

  it("refuses a REDIS_URL that points at a Sentinel, which answers PING like a data node", async () => {
    const refused = await connectRedis(group.sentinelServers[0]!.url, "sentinel-as-url", log).then(() => null, (err: unknown) => err);
    expect((refused as RedisModeUnsupported).mode).toBe("sentinel");
    expect((refused as Error).message).toMatch(/REDIS_SENTINELS/);
  });

  it("follows a failover: no write fails with READONLY and the client ends on the promoted replica", async () => {
    const redis = await connectRedis(target(), "sentinel-test", log);
    try {
      const connectedPort = async () => Number(((await redis.config("GET", "port")) as string[])[1]);
      expect(await connectedPort()).toBe(group.primary.port);
      let writes = 0;
      const failures = new Map<string, number>();
      let writing = true;
      const writer = (async () => {
        while (writing) {
          const failed = await redis.incr("sentinel-test:counter").then(() => { writes++; return false; }, (err: Error) => {
            failures.set(err.message, (failures.get(err.message) ?? 0) + 1);
            return true;
          });
          // A command that fails at once (a closed client) must not turn this loop into a microtask
          // spin that starves the timers and grows without bound (a CI worker died of exactly that).
          if (failed) await new Promise((r) => setTimeout(r, 10));
        }
      })();
      try {
        await waitFor(() => writes > 50, { what: "writes before the failover" });
        // A manual failover leaves the old primary up: a client that stayed connected to it would
        // write there (lost when it becomes a replica), then get READONLY.
        const sentinel = new Redis(group.sentinelServers[0]!.port, "127.0.0.1");
        await sentinel.call("SENTINEL", "FAILOVER", group.name);
        sentinel.disconnect();
        await waitFor(async () => (await role(group.replica.port)) === "master" && (await role(group.primary.port)) === "slave", { timeoutMs: 20_000, what: "replica promoted, primary demoted" });
        const atSwitch = writes;
        await waitFor(() => writes > atSwitch + 50, { timeoutMs: 15_000, what: "writes after the failover" });
      } finally {
        writing = false;
        await writer;
      }
      expect([...failures.keys()].filter((m) => m.startsWith("READONLY"))).toEqual([]);
      expect(await connectedPort()).toBe(group.replica.port);
      // The counter lives on the new primary, and the client's last writes reached it.
      const direct = new Redis(group.replica.port, "127.0.0.1");
      const before = Number(await direct.get("sentinel-test:counter"));
      await redis.incr("sentinel-test:counter");
      expect(Number(await direct.get("sentinel-test:counter"))).toBe(before + 1);
      direct.disconnect();
    } finally {
      redis.disconnect();
    }
  }, 60_000);
});
