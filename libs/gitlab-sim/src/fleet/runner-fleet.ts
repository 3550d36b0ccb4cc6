import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@switchyard/runtime";
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
  for (const spec of options.runners) {
    runners.set(spec.id, createSimulatedRunner({
      id: spec.id, token: spec.token, limit: spec.limit, url: options.url, speed: spec.speed ?? options.speed ?? 1, log,
      diskUsedRatio: spec.diskUsedRatio, checkIntervalMs: options.checkIntervalMs, maxRetryWaitMs: options.maxRetryWaitMs,
    }));
  }
  const serveMetrics = (runner: SimulatedRunner | undefined, res: import("node:http").ServerResponse) => {
    if (!runner) { res.writeHead(404).end("no such runner\n"); return; }
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }).end(runner.metricsText());
  };
  const main = createServer((req, res) => {
    const m = /^\/runners\/([^/]+)\/metrics$/.exec(new URL(req.url ?? "/", "http://x").pathname);
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
