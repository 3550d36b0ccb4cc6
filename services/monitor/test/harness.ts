import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createBus, createLogger, createMetrics, type Bus, type Logger } from "@switchyard/runtime";
import { createGitLabClient, type GitLabFleetApi } from "@switchyard/gitlab-client";
import { startFixtureGitLab, type FixtureGitLab } from "@switchyard/gitlab-client/testing";
import type { TestEnv } from "@switchyard/testing";
import type { FleetRunner } from "../src/config.js";
import { createFailureStreaks } from "../src/failure-streaks.js";
import { createEventEmitter } from "../src/fleet-events.js";
import { createBrokerContacts } from "../src/broker-contacts.js";
import { createFleetReader } from "../src/fleet-reader.js";
import { createGitLabSource } from "../src/gitlab-source.js";
import { createMonitor, type Monitor, type MonitorSettings } from "../src/monitor.js";
import { createMonitorMetrics, type MonitorMetrics } from "../src/monitor-metrics.js";
import { createRecycler } from "../src/recycler.js";
import { createRunnerStateStore } from "../src/runner-state-store.js";

export const GITLAB_TOKEN = "glpat-monitor-test-secret-42";

/** A gitlab-runner /metrics (and optionally node_exporter) stand-in whose answer tests change. */
export interface FixtureMetrics {
  readonly url: string;
  set(values: { running?: number; limit?: number; errors?: number; diskUsed?: number | null }): void;
  /** Answers 503 while down. */
  down(isDown: boolean): void;
  close(): Promise<void>;
}

export async function startFixtureMetrics(initial: { running?: number; limit?: number; diskUsed?: number | null } = {}): Promise<FixtureMetrics> {
  let values = { running: 0, limit: 4, errors: 0, diskUsed: null as number | null, ...initial };
  let isDown = false;
  const server = createServer((_req, res) => {
    if (isDown) return void res.writeHead(503).end("down\n");
    const lines = [
      "# HELP gitlab_runner_jobs The current number of running builds.",
      "# TYPE gitlab_runner_jobs gauge",
      `gitlab_runner_jobs{executor_stage="docker_run",runner="abc123",runner_name="r",stage="step_script",state="running",system_id="s_1"} ${Math.ceil(values.running / 2)}`,
      `gitlab_runner_jobs{executor_stage="prepare",runner="abc123",runner_name="r",stage="prepare",state="running",system_id="s_1"} ${Math.floor(values.running / 2)}`,
      "# TYPE gitlab_runner_limit gauge",
      `gitlab_runner_limit{runner="abc123",runner_name="r",system_id="s_1"} ${values.limit}`,
      "# TYPE gitlab_runner_concurrent gauge",
      "gitlab_runner_concurrent 10",
      "# TYPE gitlab_runner_errors_total counter",
      `gitlab_runner_errors_total{level="error"} ${values.errors}`,
      `gitlab_runner_errors_total{level="warning"} 1`,
    ];
    if (values.diskUsed !== null) {
      const size = 100 * 2 ** 30;
      lines.push(
        "# TYPE node_filesystem_avail_bytes gauge",
        `node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} ${Math.round(size * (1 - values.diskUsed))}`,
        `node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 1000`,
        "# TYPE node_filesystem_size_bytes gauge",
        `node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} ${size}`,
        `node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 1000000`,
      );
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`${lines.join("\n")}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    set: (v) => { values = { ...values, ...v }; },
    down: (d) => { isDown = d; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** A logger whose JSON lines the test can read back. */
export function captureLogger(): { log: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  const log = createLogger({ name: "monitor", level: "debug", destination });
  const text = () => chunks.join("");
  return { log, text, lines: () => text().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export interface Harness<G extends { url: string } = FixtureGitLab> {
  monitor: Monitor;
  gitlab: G;
  api: GitLabFleetApi;
  bus: Bus;
  metrics: MonitorMetrics;
  logs: ReturnType<typeof captureLogger>;
  clock: { now: number };
  close(): Promise<void>;
}

export interface HarnessOptions {
  fleet: FleetRunner[];
  settings?: Partial<MonitorSettings>;
  recycling?: { maxRecyclingShare: number };
}

/** Wires a monitor exactly as main.ts does, against the test env, a fixture GitLab and a settable clock. */
export async function startHarness<G extends { url: string } = FixtureGitLab>(env: TestEnv, gitlab: G, options: HarnessOptions): Promise<Harness<G>> {
  const logs = captureLogger();
  const log = logs.log;
  const registry = createMetrics("monitor");
  const metrics = createMonitorMetrics(registry.registry);
  const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "monitor", log, metrics: registry });
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const streaks = createFailureStreaks(log);
  const emit = createEventEmitter({ bus, log, metrics, now });
  const api = createGitLabClient({
    url: gitlab.url, token: GITLAB_TOKEN, log,
    retry: { baseDelayMs: 10, maxDelayMs: 2_000, maxAttempts: 3, requestTimeoutMs: 2_000 },
    onRetry: (info) => metrics.gitlabRetries.inc({ status: String(info.status ?? "network") }),
  });
  const settings: MonitorSettings = { fleet: options.fleet, pollIntervalMs: 60_000, diskThreshold: 0.6, staleAfterMs: 30_000, ...options.settings };
  const monitor = createMonitor({
    settings,
    reader: createFleetReader({ gitlab: createGitLabSource({ api }), contacts: createBrokerContacts(env.redis, env.keys.runnerContacts), scrapeTimeoutMs: 1_000, metrics, streaks, log }),
    store: createRunnerStateStore({ redis: env.redis, keys: env.keys }),
    bus, emit, metrics, streaks, log, now,
    recycler: options.recycling
      ? createRecycler({ fleet: options.fleet, gitlab: api, emit, streaks, log, maxRecyclingShare: options.recycling.maxRecyclingShare, diskThreshold: settings.diskThreshold })
      : null,
  });
  return {
    monitor, gitlab, api, bus, metrics, logs, clock,
    close: () => monitor.stop(),
  };
}

export { startFixtureGitLab };

/** Reads one counter's value for a label set from a prom-client metric. */
export async function counterValue(metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
}
