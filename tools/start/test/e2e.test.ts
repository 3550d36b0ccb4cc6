import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateFleet } from "@switchyard/gitlab-sim";
import { deleteStream } from "@switchyard/runtime";
import { createTestEnv, startNodeProcess, waitFor, type Collected, type RunningProcess, type TestEnv } from "@switchyard/testing";
import type { Decision, JobOutcome } from "@switchyard/contracts";
import { writeDemoConfig } from "../src/demo-config.js";
import { freePort } from "../src/local-services.js";

const JOBS = 300;
const SPEED = 100;
let env: TestEnv;
let dir: string;
const processes: RunningProcess[] = [];
let ids: number[] = [];
let everything: Collected;
let decisions: Collected;
let outcomes: Collected;
let fleet: ReturnType<typeof generateFleet>;
let gitlabUrl: string;

async function simStats(): Promise<Record<string, number>> {
  const res = await fetch(`${gitlabUrl}/sim/stats`, { headers: { "private-token": fleet.gitlab.adminToken } });
  const body = (await res.json()) as { jobs?: Record<string, number> } & Record<string, number>;
  return body.jobs ?? body;
}

beforeAll(async () => {
  env = await createTestEnv("e2e");
  dir = mkdtempSync(join(tmpdir(), "switchyard-e2e-"));
  fleet = generateFleet({ runnersPerPool: 4, seed: 7 });
  const ports = { gitlab: await freePort(), broker: await freePort(), runnersMetrics: await freePort() };
  // GitLab 18.x drops a job 30 min without an update and a keep-alive touches it only once 15 min old, which
  // leaves 15 simulated minutes of slack: at speed 100 that is 9 real seconds. At 300 (3 s) a loaded machine
  // (the full suite beside three busy processes) let held jobs die as no_updates_running.
  const layout = writeDemoConfig(dir, fleet, ports, { speed: SPEED });
  gitlabUrl = `http://127.0.0.1:${ports.gitlab}`;
  everything = env.collect(`${env.prefix}.>`);
  decisions = env.collect(env.subjects.decisionAll);
  outcomes = env.collect(env.subjects.jobOutcomeAll);

  const sim = startNodeProcess("sim-gitlab", "libs/gitlab-sim/dist/gitlab-main.js", {
    SIM_PORT: String(ports.gitlab), SIM_FLEET_FILE: layout.fleetFile, SIM_RATE: "0", SIM_SPEED: String(SPEED), SIM_SEED: "7",
  });
  processes.push(sim);
  await sim.waitForOutput(/sim-gitlab listening on/);
  for (const [name, config] of [["scorer", layout.scorerConfig], ["optimizer", layout.optimizerConfig], ["monitor", layout.monitorConfig], ["assigner", layout.assignerConfig]] as const) {
    const agent = startNodeProcess(name, `services/${name}/dist/main.js`, env.agentEnv({ SWITCHYARD_CONFIG: config, SWITCHYARD_HTTP_PORT: "0" }));
    processes.push(agent);
    await agent.waitForOutput(new RegExp(`${name} listening`));
  }
  const runners = startNodeProcess("sim-runners", "libs/gitlab-sim/dist/runners-main.js", {
    SIM_BROKER_URL: layout.brokerUrl, SIM_FLEET_FILE: layout.fleetFile, SIM_SPEED: String(SPEED), SIM_METRICS_PORT: String(ports.runnersMetrics),
  });
  processes.push(runners);
  await runners.waitForOutput(/sim-runners started/);

  // A few hundred jobs across both pools, a share of them production deploys.
  const pools = fleet.pools;
  const specs = Array.from({ length: JOBS }, (_, i) => {
    const pool = pools[i % pools.length]!;
    const deploy = i % 10 === 0;
    return {
      name: deploy ? "deploy-production" : `test ${i}`, stage: deploy ? "deploy" : "test",
      projectId: 1 + (i % 5), tags: pool.tags, durationSeconds: 30 + (i % 7) * 10,
      ...(deploy ? { environment: { name: "production", tier: "production", action: "start" } } : {}),
    };
  });
  const res = await fetch(`${gitlabUrl}/sim/jobs`, { method: "POST", headers: { "private-token": fleet.gitlab.adminToken, "content-type": "application/json" }, body: JSON.stringify(specs) });
  expect(res.status).toBeLessThan(300);
  ids = ((await res.json()) as { ids: number[] }).ids;
  expect(ids).toHaveLength(JOBS);
}, 90_000);

afterAll(async () => {
  for (const p of [...processes].reverse()) await p.stop();
  await deleteStream(env.nc, env.subjects.outcomeStream);
  await env.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("the four agents on the simulated fleet", () => {
  it("decides every job once, runs it once, and finishes it", async () => {
    const terminal = (s: Record<string, number>) => (s.success ?? 0) + (s.failed ?? 0) + (s.canceled ?? 0);
    await waitFor(async () => terminal(await simStats()) === JOBS, { timeoutMs: 150_000, intervalMs: 500, what: `${JOBS} jobs finished` });
    // Each job that did not succeed, with GitLab's reason, so a failure says what happened.
    const notSucceeded: string[] = [];
    for (const id of ids) {
      const job = (await (await fetch(`${gitlabUrl}/sim/jobs/${id}`, { headers: { "private-token": fleet.gitlab.adminToken } })).json()) as { status: string; failureReason: string | null };
      if (job.status !== "success") notSucceeded.push(`${id}: ${job.status} (${job.failureReason ?? "no reason"})`);
    }
    expect(notSucceeded).toEqual([]);
    expect(await simStats()).toMatchObject({ success: JOBS });
    await outcomes.waitForCount(2 * JOBS, 20_000);
    const decided = decisions.json<Decision>();
    const byJob = new Map<number, number>();
    for (const d of decided) byJob.set(d.jobId, (byJob.get(d.jobId) ?? 0) + 1);
    expect(byJob.size).toBe(JOBS);
    expect([...byJob.values()].every((n) => n === 1)).toBe(true);
    const started = outcomes.json<JobOutcome>().filter((o) => o.phase === "started");
    expect(new Set(started.map((o) => o.jobId)).size).toBe(JOBS);
    expect(started.length).toBe(JOBS);
    const finished = outcomes.json<JobOutcome>().filter((o) => o.phase === "finished");
    expect(finished.every((o) => o.status === "success")).toBe(true);
    expect(finished.length).toBe(JOBS);
  }, 200_000);

  it("never puts a token in a published message or a log line", () => {
    const secrets = [...fleet.runners.map((r) => r.token), ...fleet.pools.map((p) => p.upstreamToken), fleet.gitlab.adminToken];
    const published = everything.messages.map((m) => m.string()).join("\n");
    const logs = processes.filter((p) => !p.name.startsWith("sim")).map((p) => p.output()).join("\n");
    for (const secret of secrets) {
      expect(published.includes(secret)).toBe(false);
      expect(logs.includes(secret)).toBe(false);
    }
    // Job tokens are minted by GitLab per job; none may leave the broker.
    expect(published).not.toMatch(/glcbt-/);
    expect(logs).not.toMatch(/glcbt-/);
    expect(everything.messages.length).toBeGreaterThan(JOBS);
  });
});
