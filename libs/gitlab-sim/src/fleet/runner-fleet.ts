import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@switchyard/runtime";
import type { RunnerWork } from "./job-execution.js";
import { createSimulatedRunner, type SimulatedRunner, type SimulatedRunnerStats } from "./simulated-runner.js";

/** One runner of the fleet. */
export interface FleetRunnerSpec {
  id: string;
  token: string;
  limit: number;
  diskUsedRatio?: number;
  /** Also serve this runner's metrics on its own port at /metrics (like gitlab-runner's listen_address). */
  metricsPort?: number;
  speed?: number;
  /** gitlab-runner's request_concurrency (default 1). */
  requestConcurrency?: number;
}

export interface RunnerFleetOptions {
  url: string;
  runners: FleetRunnerSpec[];
  speed?: number;
  log: Logger;
  metricsHost?: string;
  metricsPort?: number;
  checkIntervalMs?: number;
  maxRetryWaitMs?: number;
  /** What every runner does with a job (default "full"; "light" = acknowledge and finish, for benchmarks). */
  work?: RunnerWork;
}

/** A started fleet of simulated runners with one metrics server (`/runners/<id>/metrics`). */
export interface RunnerFleet {
  readonly metricsUrl: string;
  readonly runners: ReadonlyMap<string, SimulatedRunner>;
  /** Metrics URL of one runner (its own port when it has one). */
  metricsUrlOf(id: string): string;
  stats(): SimulatedRunnerStats[];
  /** Every job id received by any runner, with repeats (exactly-once assertions). */
  receivedJobIds(): number[];
  setDiskUsedRatio(id: string, ratio: number): void;
  close(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(port, host, () => resolve()); });
  const { port: bound } = server.address() as AddressInfo;
  return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${bound}`;
}

/** Starts every runner (verify, then poll) and the metrics endpoint(s). */
export async function createRunnerFleet(options: RunnerFleetOptions): Promise<RunnerFleet> {
  const log = options.log.child({ component: "sim-runners" });
  const host = options.metricsHost ?? "127.0.0.1";
  const runners = new Map<string, SimulatedRunner>();
  /** Wall-clock ms each job first reached a runner, served as JSON at /received (the hand-off bench's clock). */
  const receivedAt = new Map<number, number>();
  const onReceived = (jobId: number) => { if (!receivedAt.has(jobId)) receivedAt.set(jobId, Date.now()); };
  for (const spec of options.runners) {
    runners.set(spec.id, createSimulatedRunner({
      onReceived, work: options.work,
      id: spec.id, token: spec.token, limit: spec.limit, url: options.url, speed: spec.speed ?? options.speed ?? 1, log,
      diskUsedRatio: spec.diskUsedRatio, requestConcurrency: spec.requestConcurrency, checkIntervalMs: options.checkIntervalMs, maxRetryWaitMs: options.maxRetryWaitMs,
    }));
  }
  const serveMetrics = (runner: SimulatedRunner | undefined, res: import("node:http").ServerResponse) => {
    if (!runner) { res.writeHead(404).end("no such runner\n"); return; }
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }).end(runner.metricsText());
  };
  const main = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/received") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(Object.fromEntries(receivedAt)));
      return;
    }
    if (path === "/received-count") {
      // How many times each job reached a runner, over the whole fleet: exactly-once checks from outside.
      const counts: Record<number, number> = {};
      for (const r of runners.values()) for (const id of r.stats().jobIds) counts[id] = (counts[id] ?? 0) + 1;
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(counts));
      return;
    }
    const m = /^\/runners\/([^/]+)\/metrics$/.exec(path);
    serveMetrics(m ? runners.get(decodeURIComponent(m[1]!)) : undefined, res);
  });
  const metricsUrl = await listen(main, options.metricsPort ?? 0, host);
  const servers: Server[] = [main];
  const ownUrls = new Map<string, string>();
  for (const spec of options.runners) {
    if (spec.metricsPort === undefined) continue;
    const runner = runners.get(spec.id);
    const server = createServer((req, res) => (req.url?.startsWith("/metrics") ? serveMetrics(runner, res) : res.writeHead(404).end()));
    ownUrls.set(spec.id, `${await listen(server, spec.metricsPort, host)}/metrics`);
    servers.push(server);
  }
  for (const runner of runners.values()) runner.start();
  log.info({ runners: runners.size, metricsUrl }, "simulated runners started");

  return {
    metricsUrl, runners,
    metricsUrlOf: (id) => ownUrls.get(id) ?? `${metricsUrl}/runners/${encodeURIComponent(id)}/metrics`,
    stats: () => [...runners.values()].map((r) => r.stats()),
    receivedJobIds: () => [...runners.values()].flatMap((r) => r.stats().jobIds),
    setDiskUsedRatio(id, ratio) {
      const runner = runners.get(id);
      if (!runner) throw new Error(`set disk ratio: no runner ${id}`);
      runner.setDiskUsedRatio(ratio);
    },
    async close() {
      await Promise.all([...runners.values()].map((r) => r.stop()));
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
    },
  };
}
