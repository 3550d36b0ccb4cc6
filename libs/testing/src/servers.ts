import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "@switchyard/runtime";

/**
 * A NATS or Redis server a test starts for itself on a free loopback port, so it may kill and
 * restart it: the shared servers on 4222 and 6379 are never stopped by a test.
 */
export interface OwnServer {
  readonly url: string;
  readonly port: number;
  /** SIGKILL, as a crash: nothing flushed, clients see the connection drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Kills it and removes its data directory. */
  close(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(200, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => done(true));
  });
}

async function untilListening(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (await accepts(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on ${port} within 15 s`);
}

async function ownServer(what: string, url: (port: number) => string, args: (port: number, dir: string) => string[], port?: number): Promise<OwnServer> {
  const chosen = port ?? await freePort();
  const dir = mkdtempSync(join(tmpdir(), `switchyard-${what}-`));
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(what, args(chosen, dir), { stdio: "ignore" });
    await untilListening(chosen, child, what);
  };
  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once("exit", r));
    running.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: url(chosen),
    port: chosen,
    kill,
    restart: async () => { await kill(); await start(); },
    close: async () => { await kill(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/**
 * Starts `redis-server` on a free loopback port, without persistence unless `appendonly` is asked;
 * `replicaOf` makes it a replica of that port, `cluster` a Redis Cluster node; `args` are added (ACL users, ...).
 */
export function startOwnRedis(options: { appendonly?: boolean; replicaOf?: number; cluster?: boolean; args?: readonly string[] } = {}): Promise<OwnServer> {
  return ownServer("redis-server", (port) => `redis://127.0.0.1:${port}`, (port, dir) => [
    "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir,
    "--appendonly", options.appendonly ? "yes" : "no",
    ...(options.replicaOf ? ["--replicaof", "127.0.0.1", String(options.replicaOf)] : []),
    ...(options.cluster ? ["--cluster-enabled", "yes", "--cluster-config-file", join(dir, "nodes.conf")] : []),
    ...(options.args ?? []),
  ]);
}

/** A Redis primary, its replica and three Sentinels watching them, all on loopback. */
export interface OwnSentinelGroup {
  /** `host:port,...` of the Sentinels, as REDIS_SENTINELS takes it. */
  readonly sentinels: string;
  readonly name: string;
  readonly primary: OwnServer;
  readonly replica: OwnServer;
  readonly sentinelServers: OwnServer[];
  close(): Promise<void>;
}

/**
 * Starts a primary, one replica and three Sentinels (quorum 2) that call the primary down after
 * `downAfterMs` without answers and fail over to the replica. Resolves once every Sentinel
 * knows the replica and the other Sentinels, so a failover can start at once.
 */
export async function startOwnSentinelGroup(options: { downAfterMs?: number; name?: string } = {}): Promise<OwnSentinelGroup> {
  const name = options.name ?? "switchyard-test";
  const primary = await startOwnRedis();
  const replica = await startOwnRedis({ replicaOf: primary.port });
  const sentinelServers: OwnServer[] = [];
  for (let i = 0; i < 3; i++) {
    sentinelServers.push(await ownServer("redis-server", (port) => `redis://127.0.0.1:${port}`, (port, dir) => {
      // Sentinel rewrites its own config file (what it learns of replicas and peers): one per Sentinel.
      const file = join(dir, "sentinel.conf");
      writeFileSync(file, [
        `port ${port}`, "bind 127.0.0.1", `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`,
        "",
      ].join("\n"));
      return [file, "--sentinel"];
    }));
  }
  const group: OwnSentinelGroup = {
    sentinels: sentinelServers.map((s) => `127.0.0.1:${s.port}`).join(","),
    name, primary, replica, sentinelServers,
    close: async () => { await Promise.all([...sentinelServers, replica, primary].map((s) => s.close())); },
  };
  try {
    await untilSentinelsKnowEachOther(sentinelServers, name);
  } catch (err) {
    await group.close();
    throw err;
  }
  return group;
}

/** A Redis node's role (`master`, `slave`), or undefined while it answers nothing (it drops its clients as it changes role). */
export async function redisRole(port: number): Promise<string | undefined> {
  const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  try { return ((await probe.call("ROLE")) as string[])[0]; } catch { return undefined; } finally { probe.disconnect(); }
}

/** Polls each Sentinel with `SENTINEL MASTER <name>` until it counts one replica and two other Sentinels. */
async function untilSentinelsKnowEachOther(sentinels: OwnServer[], name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const sentinel of sentinels) {
    const client = new Redis({ host: "127.0.0.1", port: sentinel.port, lazyConnect: true, retryStrategy: () => null, enableReadyCheck: false, maxRetriesPerRequest: 0 });
    client.on("error", () => undefined);
    try {
      for (;;) {
        const flat = (await client.call("SENTINEL", "MASTER", name).catch(() => [])) as string[];
        const field = (key: string) => flat[flat.indexOf(key) + 1];
        if (field("num-slaves") === "1" && field("num-other-sentinels") === "2") break;
        if (Date.now() > deadline) throw new Error(`sentinel on ${sentinel.port} did not see the replica and its peers within 30 s: ${flat.join(" ")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.disconnect();
    }
  }
}

/** Starts one JetStream-enabled `nats-server` on a free loopback port; `configFile` gives it users and permissions. */
export function startOwnNats(options: { configFile?: string } = {}): Promise<OwnServer> {
  return ownServer("nats-server", (port) => `nats://127.0.0.1:${port}`, (port, dir) => [
    ...(options.configFile ? ["-c", options.configFile] : []), "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir,
  ]);
}

/**
 * Starts `size` JetStream-enabled `nats-server`s on loopback routed into one cluster; resolves when
 * each accepts clients (the JetStream meta leader may take a moment longer: retry the first call).
 */
export async function startOwnNatsCluster(size: number): Promise<{ url: string; servers: OwnServer[]; close(): Promise<void> }> {
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) { clientPorts.push(await freePort()); routePorts.push(await freePort()); }
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(",");
  const cluster = `c${process.pid}`;
  const servers = await Promise.all(clientPorts.map((clientPort, i) => ownServer("nats-server", (port) => `nats://127.0.0.1:${port}`, (port, dir) => [
    "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir, "-n", `n${i}`,
    "--cluster_name", cluster, "--cluster", `nats://127.0.0.1:${routePorts[i]}`, "--routes", routes,
  ], clientPort)));
  return {
    url: servers.map((s) => s.url).join(","),
    servers,
    close: async () => { await Promise.all(servers.map((s) => s.close())); },
  };
}
