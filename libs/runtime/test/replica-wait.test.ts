import { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { startOwnRedis, waitFor, type OwnServer } from "@switchyard/testing";
import { connectedReplicas, createLogger, createReplicaWait, redisAclRule } from "../src/index.js";

// Redis WAIT (https://redis.io/docs/latest/commands/wait/) blocks the client until N replicas acknowledged
// every write it made before, or the timeout passes, and answers how many did. It "does not make Redis a
// strongly consistent store": it only says whether a replica had the writes at that moment. These tests pin
// what replica-wait.ts builds on that: acked with a live replica, timeout with one that never acknowledges,
// nothing at all (not even the WAIT) on a single node, and a reconnect always reported.
const log = createLogger({ name: "replica-wait-test", level: "silent" });

async function waitCount(redis: Redis): Promise<number> {
  return Number(/^cmdstat_wait:calls=(\d+)/m.exec(await redis.info("commandstats"))?.[1] ?? 0);
}

async function counted(registry: Registry): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric("switchyard_redis_replica_waits_total");
  const values = (await metric!.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.result), v.value]));
}

/**
 * A "replica" that asks the primary for a full sync and then never acknowledges an offset: the
 * primary counts it as a connected replica, and WAIT 1 can only time out.
 */
function silentReplica(port: number): Socket {
  const socket = new Socket();
  socket.on("error", () => undefined);
  // PSYNC only once REPLCONF is answered (Redis refuses a sync with a reply pending); then ACKs of offset 0:
  // a diskless sync (Redis 7's default) puts a replica online at its first ACK.
  socket.once("data", () => { socket.write("PSYNC ? -1\r\n"); socket.on("data", () => undefined); });
  socket.connect(port, "127.0.0.1", () => socket.write("REPLCONF listening-port 1\r\n"));
  const acks = setInterval(() => { if (socket.destroyed) clearInterval(acks); else socket.write("REPLCONF ACK 0\r\n"); }, 200);
  acks.unref();
  return socket;
}

/** Until the primary lists a replica online (not just connected: a sync is still under way before). */
const untilReplicaOnline = (redis: Redis, what: string) =>
  waitFor(async () => /slave0:.*state=online/.test(await redis.info("replication")), { what, timeoutMs: 20_000 });

/** One write and its settle, on a fresh ReplicaWait with its own registry. */
async function writeAndSettle(redis: Redis, timeoutMs: number, key: string) {
  const registry = new Registry();
  const wait = createReplicaWait({ redis, timeoutMs, registry, log });
  const since = wait.epoch();
  await redis.set(key, "v");
  return { settled: await wait.settle(since), registry };
}

describe("connectedReplicas", () => {
  it("reads connected_slaves from INFO replication", () => {
    expect(connectedReplicas("# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=...\r\n")).toBe(2);
    expect(connectedReplicas("# Replication\r\nrole:master\r\n")).toBe(0);
  });
});

describe("replica waits (real redis-server on loopback)", () => {
  let single: OwnServer;
  let primary: OwnServer;
  let replica: OwnServer;
  const clients: Redis[] = [];
  const connect = async (url: string) => {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    c.on("error", () => undefined);
    clients.push(c);
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    single = await startOwnRedis();
    primary = await startOwnRedis({ args: ["--repl-diskless-sync-delay", "0"] });
    replica = await startOwnRedis({ replicaOf: primary.port });
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all([single, replica, primary].map((s) => s?.close()));
  });

  it("issues no WAIT on a single node and calls the write durable", async () => {
    const redis = await connect(single.url);
    const registry = new Registry();
    const wait = createReplicaWait({ redis, timeoutMs: 250, registry, log });
    const since = wait.epoch();
    await redis.set("k", "v");
    expect(await wait.settle(since)).toEqual({ result: "no-replica", reconnected: false, durable: true });
    expect(await waitCount(redis)).toBe(0);
    expect(await counted(registry)).toEqual({ acked: 0, timeout: 0, error: 0 });
  });

  it("waits for a live replica: acked, and the write is on the replica when settle answers", async () => {
    const redis = await connect(primary.url);
    const onReplica = await connect(replica.url);
    // Online, not just connected: a diskless sync starts only after repl-diskless-sync-delay (5 s by default).
    await untilReplicaOnline(redis, "replica online");
    const registry = new Registry();
    const wait = createReplicaWait({ redis, timeoutMs: 2_000, registry, log });
    for (let i = 0; i < 20; i++) {
      const since = wait.epoch();
      await redis.set(`job:${i}`, "taken in");
      expect(await wait.settle(since)).toEqual({ result: "acked", reconnected: false, durable: true });
      expect(await onReplica.get(`job:${i}`)).toBe("taken in");
    }
    expect(await counted(registry)).toMatchObject({ acked: 20, timeout: 0 });
  });

  it("answers timeout (not durable) when no replica acknowledges within replicaWaitMs", async () => {
    // The silent replica's sync would start after repl-diskless-sync-delay (5 s): at once instead.
    const lone = await startOwnRedis({ args: ["--repl-diskless-sync-delay", "0"] });
    const socket = silentReplica(lone.port);
    try {
      const redis = await connect(lone.url);
      await untilReplicaOnline(redis, "silent replica online");
      const { settled, registry } = await writeAndSettle(redis, 100, "k");
      expect(settled).toEqual({ result: "timeout", reconnected: false, durable: false });
      expect(await counted(registry)).toMatchObject({ acked: 0, timeout: 1 });
    } finally {
      socket.destroy();
      await lone.close();
    }
  });

  it("reports a reconnect between the write and the settle, whatever the replica count", async () => {
    const redis = await connect(single.url);
    const wait = createReplicaWait({ redis, timeoutMs: 250, registry: new Registry(), log });
    const since = wait.epoch();
    await redis.set("k", "v");
    const ready = new Promise((r) => redis.once("ready", r));
    const other = await connect(single.url);
    await other.client("KILL", "ID", String(await redis.client("ID")));
    await ready;
    expect(await wait.settle(since)).toMatchObject({ reconnected: true, durable: false });
  });

  it("never waits with replicaWaitMs 0", async () => {
    const redis = await connect(primary.url);
    const before = await waitCount(redis);
    const wait = createReplicaWait({ redis, timeoutMs: 0, registry: new Registry(), log });
    expect((await wait.settle(wait.epoch())).durable).toBe(true);
    expect(await waitCount(redis)).toBe(before);
  });
});

describe("the shipped Redis ACL rule", () => {
  it("lets the agents' user read INFO replication and run WAIT (WAIT is in @connection), so replica waits work under it", async () => {
    const primary = await startOwnRedis({ args: ["--repl-diskless-sync-delay", "0", "--user", "switchyard", ...redisAclRule("acl").split(" "), ">pw"] });
    const replica = await startOwnRedis({ replicaOf: primary.port });
    const redis = new Redis(primary.url, { username: "switchyard", password: "pw", lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      await untilReplicaOnline(redis, "replica online");
      expect((await writeAndSettle(redis, 2_000, "acl:k")).settled).toEqual({ result: "acked", reconnected: false, durable: true });
    } finally {
      redis.disconnect();
      await Promise.all([replica.close(), primary.close()]);
    }
  });
});
