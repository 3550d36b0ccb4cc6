import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

/** A TCP port nothing listens on now. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
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
  const chosen = port ?? await freeLoopbackPort();
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

/** Starts `redis-server` on a free loopback port, without persistence unless `appendonly` is asked. */
export function startOwnRedis(options: { appendonly?: boolean } = {}): Promise<OwnServer> {
  return ownServer("redis-server", (port) => `redis://127.0.0.1:${port}`, (port, dir) => [
    "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir,
    "--appendonly", options.appendonly ? "yes" : "no",
  ]);
}

/** Starts one JetStream-enabled `nats-server` on a free loopback port. */
export function startOwnNats(): Promise<OwnServer> {
  return ownServer("nats-server", (port) => `nats://127.0.0.1:${port}`, (port, dir) => ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir]);
}

/**
 * Starts `size` JetStream-enabled `nats-server`s on loopback routed into one cluster; resolves when
 * each accepts clients (the JetStream meta leader may take a moment longer: retry the first call).
 */
export async function startOwnNatsCluster(size: number): Promise<{ url: string; servers: OwnServer[]; close(): Promise<void> }> {
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) { clientPorts.push(await freeLoopbackPort()); routePorts.push(await freeLoopbackPort()); }
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
