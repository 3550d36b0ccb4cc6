import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@switchyard/runtime";

/** A NATS or Redis server the demo uses: found running, or started here and stopped on exit. */
export interface LocalService {
  readonly url: string;
  readonly startedHere: boolean;
  stop(): Promise<void>;
}

/** Resolves true if something accepts TCP connections at host:port within the timeout. */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** True when `binary` is on PATH. */
export function onPath(binary: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

/** Resolves once the child accepts TCP on 127.0.0.1:port; rejects if it exits or takes over 15 s. */
export async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (await canConnect("127.0.0.1", port, 200)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not open port ${port} within 15 s`);
}

/** Stops a server child (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
export function stopChild(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

export const HOW_TO_INSTALL = "install them (Debian/Ubuntu: `apt-get install nats-server redis-server`; macOS: `brew install nats-server redis`) or run the compose stack: `deploy/compose/make-secrets.sh && GRAFANA_ADMIN_PASSWORD=... docker compose -f deploy/compose/docker-compose.yml --profile demo up`";

/**
 * Uses Redis at `url` if it answers; else starts `redis-server` on a free port with AOF
 * (`appendfsync everysec`, as compose and Kubernetes run it), so a Redis restart mid-demo loses at
 * most a second of writes. Its directory is removed when the demo stops.
 */
export async function findOrStartRedis(url: string | undefined): Promise<LocalService> {
  const target = new URL(url ?? "redis://127.0.0.1:6379");
  if (await canConnect(target.hostname, Number(target.port || 6379))) return { url: target.toString(), startedHere: false, stop: async () => undefined };
  if (url) throw new Error(`Redis at ${url} does not answer`);
  if (!onPath("redis-server")) throw new Error(`no Redis answers on 127.0.0.1:6379 and redis-server is not installed: ${HOW_TO_INSTALL}`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-redis-"));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir], { stdio: "ignore" });
  await waitForPort(port, child, "redis-server");
  return { url: `redis://127.0.0.1:${port}`, startedHere: true, stop: stopChild(child, dir) };
}
