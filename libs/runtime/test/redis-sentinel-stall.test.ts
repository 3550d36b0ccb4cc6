import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { redisRole, startOwnRedis, startOwnSentinelGroup, waitFor, type OwnSentinelGroup } from "@switchyard/testing";
import { connectRedis, createLogger, reviveWhenEnded } from "../src/index.js";

const log = createLogger({ name: "redis-sentinel-stall-test", level: "silent" });

/**
 * A TCP proxy in front of one Sentinel that, once told to hold, keeps what new connections send until
 * released: it parks the client's "which is the primary?" question at a moment the test chooses.
 */
interface HoldingProxy { port: number; hold(): void; release(): void; heldQuestions(): number; close(): Promise<void> }

function holdingProxy(targetPort: number): Promise<HoldingProxy> {
  let holding = false;
  const held: { sent: Buffer[]; release: () => void }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) { sockets.add(s); s.on("error", () => undefined); s.on("close", () => { sockets.delete(s); client.destroy(); upstream.destroy(); }); }
    upstream.on("data", (d) => client.write(d));
    let passing = !holding;
    const entry = { sent: [] as Buffer[], release: () => { passing = true; for (const d of entry.sent) upstream.write(d); entry.sent = []; } };
    if (!passing) held.push(entry);
    client.on("data", (d) => { if (passing) upstream.write(d); else entry.sent.push(d); });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: (server.address() as { port: number }).port,
    hold: () => { holding = true; },
    release: () => { holding = false; for (const h of held.splice(0)) h.release(); },
    heldQuestions: () => held.filter((h) => h.sent.length > 0).length,
    close: () => new Promise<void>((done) => { for (const s of sockets) s.destroy(); server.close(() => done()); }),
  })));
}

/** Subscribers connected to a Sentinel (it has no PUBSUB NUMSUB): its CLIENT LIST lines with a subscription. */
const numsub = async (sentinel: Redis) => ((await sentinel.call("CLIENT", "LIST")) as string).split("\n").filter((line) => / sub=[1-9]/.test(line)).length;

describe("a Sentinel failover that lands while the client is asking the Sentinels", () => {
  let group: OwnSentinelGroup;
  let proxy: HoldingProxy;
  beforeAll(async () => {
    group = await startOwnSentinelGroup({ downAfterMs: 1000 });
    proxy = await holdingProxy(group.sentinelServers[0]!.port);
  }, 60_000);
  afterAll(async () => { await proxy?.close(); await group?.close(); });

  // The sequence behind issue 13's stall (1 run in 23 of the fault test): the primary dies; the client,
  // reconnecting, asks a Sentinel where the primary is; while that answer is on its way the Sentinels
  // switch and the failover detector of the client's previous (dead) connection, still subscribed, tells
  // the connector to disconnect. ioredis 5's SentinelConnector then fails the connect in progress with
  // "Connection is closed." and the client ends for good (status "end"): every later command fails at once.
  it("reconnects to the promoted replica instead of ending", async () => {
    const s1 = group.sentinelServers[1]!;
    const registry = new Registry();
    const redis = await connectRedis({
      redisUrl: "redis://127.0.0.1:1", redisSentinelName: group.name,
      // The held proxy first: the client asks it first again when it reconnects (it moves the Sentinel that
      // answered to the front of its list).
      redisSentinels: [`127.0.0.1:${proxy.port}`, ...group.sentinels.split(",").slice(1)].join(","),
    }, "stall-test", log, { registry });
    const watcher = new Redis(s1.port, "127.0.0.1");
    const sentinel = new Redis(s1.port, "127.0.0.1");
    const statuses: string[] = [];
    redis.on("end", () => statuses.push("end"));
    try {
      await redis.set("stall-test:k", "before");
      // The client's failover detector is subscribed on every Sentinel, this one included.
      await waitFor(async () => (await numsub(sentinel)) >= 1, { what: "failover detector subscribed" });
      const switched = new Promise<void>((resolve) => watcher.on("message", () => resolve()));
      await watcher.subscribe("+switch-master");
      const subscribers = await numsub(sentinel);

      proxy.hold();
      await group.primary.kill();
      await waitFor(() => proxy.heldQuestions() >= 1, { timeoutMs: 10_000, what: "the reconnecting client asking the held Sentinel" });
      await switched;
      // The old connection's detector heard +switch-master and let go of its subscriptions (ioredis 5's
      // FailoverDetector.disconnect then cleanup); the connect in progress was told to stop.
      await waitFor(async () => (await numsub(sentinel)) < subscribers, { timeoutMs: 10_000, what: "the old detector reacting to +switch-master" });
      proxy.release();

      let lastError = "";
      await waitFor(async () => (await redis.set("stall-test:k", "after").then(() => true, (err: Error) => { lastError = err.message; return false; })), { timeoutMs: 15_000, what: "a write succeeding after the failover" })
        .catch((err: Error) => { throw new Error(`${err.message}: client status ${redis.status}, last error ${lastError}`); });
      expect(Number(((await redis.config("GET", "port")) as string[])[1])).toBe(group.replica.port);
      expect(await redisRole(group.replica.port)).toBe("master");
      // Never ended: the failover cost the reconnect, not the client.
      expect(statuses).toEqual([]);
    } finally {
      redis.disconnect();
      watcher.disconnect();
      sentinel.disconnect();
    }
  }, 60_000);
});

describe("a Redis client that ends by itself", () => {
  it("is connected again, counted and logged once, and left closed after its owner quits", async () => {
    const server = await startOwnRedis();
    const registry = new Registry();
    const warnings: string[] = [];
    const spy = createLogger({ name: "revive-test", level: "warn" });
    spy.warn = ((_obj: unknown, msg: string) => { warnings.push(msg); }) as typeof spy.warn;
    // No retry strategy: the first dropped connection ends the client, as the paths that skip ioredis's
    // retries do (a connector that rejects, a retry strategy that answers null).
    const redis = new Redis(server.port, "127.0.0.1", { retryStrategy: () => null, lazyConnect: true });
    redis.on("error", () => undefined);
    await redis.connect();
    reviveWhenEnded(redis, { log: spy, registry, delayMs: () => 50 });
    const admin = new Redis(server.port, "127.0.0.1");
    const revivals = async () => (await registry.getSingleMetric("switchyard_redis_client_revivals_total")!.get()).values[0]?.value ?? 0;
    try {
      const ended = new Promise((resolve) => redis.once("end", resolve));
      await admin.client("KILL", "ID", String(await redis.client("ID")));
      await ended;
      await waitFor(async () => (await redis.ping().catch(() => "")) === "PONG", { what: "the ended client answering again" });
      expect(await revivals()).toBe(1);
      // And again: each episode counts, each logs once.
      const endedAgain = new Promise((resolve) => redis.once("end", resolve));
      await admin.client("KILL", "ID", String(await redis.client("ID")));
      await endedAgain;
      await waitFor(async () => (await redis.ping().catch(() => "")) === "PONG", { what: "the client answering after its second end" });
      expect(await revivals()).toBe(2);
      expect(warnings).toHaveLength(2);

      await redis.quit();
      // Nothing may happen now: give a revival four times its delay to show up.
      await new Promise((r) => setTimeout(r, 200));
      expect(redis.status).toBe("end");
      expect(await revivals()).toBe(2);
    } finally {
      redis.disconnect();
      admin.disconnect();
      await server.close();
    }
  });
});
