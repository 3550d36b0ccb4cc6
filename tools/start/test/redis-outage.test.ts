import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateFleet } from "@switchyard/gitlab-sim";
import {
  createTestEnv, startNodeProcess, startOwnRedis, waitFor, type Collected, type OwnServer, type RunningProcess, type TestEnv,
} from "@switchyard/testing";
import { Redis } from "ioredis";
import { writeDemoConfig } from "../src/demo-config.js";
import { freePort } from "@switchyard/runtime";

// Issue 13: a runner dropping its long poll while Redis was unreachable crashed the assigner with an
// unhandled MaxRetriesPerRequestError. Here Redis (this test's own server) dies under load, a held
// poll is dropped during the outage, and every agent must stay up, say not-ready, and recover.
const SPEED = 300;
const AGENTS = ["scorer", "optimizer", "monitor", "assigner"] as const;
const PROBE_TOKEN = "syr_probe_runner_token_0001";
let env: TestEnv;
let redis: OwnServer;
let dir: string;
let gitlabUrl: string;
let brokerUrl: string;
let decisions: Collected;
const processes: RunningProcess[] = [];
const agents: Record<string, { proc: RunningProcess; http: string }> = {};
const fleet = generateFleet({ runnersPerPool: 3, seed: 11 });

const readyz = async (http: string) => (await fetch(`${http}/readyz`)).status;

/** Sum of a metric's samples whose labels include `labels`, from an agent's /metrics. */
async function metric(http: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

async function submitJobs(count: number, from: number): Promise<void> {
  const specs = Array.from({ length: count }, (_, i) => {
    const pool = fleet.pools[(from + i) % fleet.pools.length]!;
    return { name: `test ${from + i}`, stage: "test", projectId: 1 + (i % 4), tags: pool.tags, durationSeconds: 60 + (i % 5) * 15 };
  });
  const res = await fetch(`${gitlabUrl}/sim/jobs`, { method: "POST", headers: { "private-token": fleet.gitlab.adminToken, "content-type": "application/json" }, body: JSON.stringify(specs) });
  expect(res.status).toBeLessThan(300);
}

async function finishedJobs(): Promise<number> {
  const res = await fetch(`${gitlabUrl}/sim/stats`, { headers: { "private-token": fleet.gitlab.adminToken } });
  const body = (await res.json()) as { jobs?: Record<string, number> } & Record<string, number>;
  return (body.jobs ?? body).success ?? 0;
}

beforeAll(async () => {
  env = await createTestEnv("redisoutage");
  redis = await startOwnRedis({ appendonly: true });
  dir = mkdtempSync(join(tmpdir(), "switchyard-redis-outage-"));
  const ports = { gitlab: await freePort(), broker: await freePort(), runnersMetrics: await freePort() };
  const layout = writeDemoConfig(dir, fleet, ports, { speed: SPEED });
  gitlabUrl = `http://127.0.0.1:${ports.gitlab}`;
  brokerUrl = layout.brokerUrl;
  decisions = env.collect(env.subjects.decisionAll);
  const sim = startNodeProcess("sim-gitlab", "libs/gitlab-sim/dist/gitlab-main.js", {
    SIM_PORT: String(ports.gitlab), SIM_FLEET_FILE: layout.fleetFile, SIM_RATE: "0", SIM_SPEED: String(SPEED), SIM_SEED: "11",
  });
  processes.push(sim);
  await sim.waitForOutput(/sim-gitlab listening on/);
  // A probe runner in a pool of its own (no jobs reach it) holds a long poll the test drops mid-outage.
  const assignerExtra = {
    SWITCHYARD_POOLS: JSON.stringify([
      ...fleet.pools.map((p) => ({ name: p.name, upstreamToken: p.upstreamToken, lookahead: 4 })),
      { name: "probe", upstreamToken: "glrt-probe-pool-not-registered", lookahead: 0 },
    ]),
    SWITCHYARD_RUNNERS: JSON.stringify([...fleet.runners.map((r) => ({ id: r.id, pool: r.pool, token: r.token })), { id: "probe", pool: "probe", token: PROBE_TOKEN }]),
  };
  for (const name of AGENTS) {
    const config = { scorer: layout.scorerConfig, optimizer: layout.optimizerConfig, monitor: layout.monitorConfig, assigner: layout.assignerConfig }[name];
    const port = await freePort();
    const proc = startNodeProcess(name, `services/${name}/dist/main.js`, env.agentEnv({
      REDIS_URL: redis.url, SWITCHYARD_CONFIG: config, SWITCHYARD_HTTP_PORT: String(port), ...(name === "assigner" ? assignerExtra : {}),
    }));
    processes.push(proc);
    agents[name] = { proc, http: `http://127.0.0.1:${port}` };
    await proc.waitForOutput(new RegExp(`${name} listening`));
  }
  const runners = startNodeProcess("sim-runners", "libs/gitlab-sim/dist/runners-main.js", {
    SIM_BROKER_URL: layout.brokerUrl, SIM_FLEET_FILE: layout.fleetFile, SIM_SPEED: String(SPEED), SIM_METRICS_PORT: String(ports.runnersMetrics),
  });
  processes.push(runners);
  await runners.waitForOutput(/sim-runners started/);
}, 90_000);

afterAll(async () => {
  for (const p of [...processes].reverse()) await p.stop();
  await redis?.close();
  await env.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("Redis dies under load", () => {
  it("keeps every agent up and not ready during the outage, then ready and dispatching again", async () => {
    for (const { http } of Object.values(agents)) await waitFor(async () => (await readyz(http)) === 200, { timeoutMs: 20_000, what: "agents ready" });
    await submitJobs(300, 0);
    await decisions.waitForCount(20, 30_000);

    // A held long poll (Workhorse semantics: last_update equal to the runner's version).
    const dropped = new AbortController();
    const held = fetch(`${brokerUrl}/api/v4/jobs/request`, {
      method: "POST", headers: { "content-type": "application/json" }, signal: dropped.signal,
      body: JSON.stringify({ token: PROBE_TOKEN, last_update: "v0", info: {} }),
    }).catch(() => null);
    const assigner = agents.assigner!;
    const probeRedis = new Redis(redis.url, { maxRetriesPerRequest: 0, lazyConnect: true });
    await probeRedis.connect();
    // One member per held poll (runner, system_id, poll): the probe's single poll.
    await waitFor(async () => (await probeRedis.zcard(env.keys.polling("probe"))) === 1, { what: "probe poll held" });
    probeRedis.disconnect();

    // Dropped right after Redis dies: well inside the broker's 5 s re-check of a held poll, so the
    // poll ends as "runner gone" (the path that crashed) rather than on a failed re-check.
    await redis.kill();
    dropped.abort();
    await held;
    for (const { http } of Object.values(agents)) await waitFor(async () => (await readyz(http)) === 503, { what: "not ready without Redis" });
    await waitFor(async () => (await metric(assigner.http, "switchyard_background_failures_total", { task: "unmark polling" })) >= 1, { what: "the dropped poll's failed unmark counted" });
    const duringOutage = decisions.messages.length;

    await redis.restart();
    for (const { http } of Object.values(agents)) await waitFor(async () => (await readyz(http)) === 200, { timeoutMs: 20_000, what: "ready again with Redis back" });
    const before = await finishedJobs();
    await submitJobs(40, 300);
    await waitFor(async () => (await finishedJobs()) >= before + 40, { timeoutMs: 60_000, intervalMs: 250, what: "jobs finish after the outage" });
    expect(decisions.messages.length).toBeGreaterThan(duringOutage);

    for (const [name, { proc, http }] of Object.entries(agents)) {
      expect(proc.child.exitCode, `${name} still running`).toBeNull();
      const unhandled = proc.output().split("\n").filter((l) => /unhandled promise rejection|uncaught exception/.test(l));
      expect(unhandled, `${name}: nothing unhandled`).toEqual([]);
      expect(await metric(http, "switchyard_unhandled_errors_total"), `${name}: unhandled counter`).toBe(0);
    }
  }, 180_000);
});
