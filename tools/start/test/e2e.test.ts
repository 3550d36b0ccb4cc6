import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteStream } from "@switchyard/runtime";
import { createTestEnv, waitFor, type Collected, type TestEnv } from "@switchyard/testing";
import type { Decision, JobOutcome } from "@switchyard/contracts";
import { startSimulatedSystem, type SimulatedSystem } from "./simulated-system.js";

const JOBS = 300;
// GitLab 18.x drops a job 30 min without an update and a keep-alive touches it only once 15 min old, which
// leaves 15 simulated minutes of slack: at speed 100 that is 9 real seconds. At 300 (3 s) a loaded machine
// (the full suite beside three busy processes) let held jobs die as no_updates_running.
const SPEED = 100;
let env: TestEnv;
let system: SimulatedSystem;
let ids: number[] = [];
let everything: Collected;
let decisions: Collected;
let outcomes: Collected;

beforeAll(async () => {
  env = await createTestEnv("e2e");
  everything = env.collect(`${env.prefix}.>`);
  decisions = env.collect(env.subjects.decisionAll);
  outcomes = env.collect(env.subjects.jobOutcomeAll);
  system = await startSimulatedSystem(env, { speed: SPEED });
  // A few hundred jobs across both pools, a share of them production deploys.
  ids = await system.submitJobs(JOBS);
  expect(ids).toHaveLength(JOBS);
}, 90_000);

afterAll(async () => {
  await system?.stop();
  await deleteStream(env.nc, env.subjects.outcomeStream);
  await env.close();
}, 60_000);

describe("the four agents on the simulated fleet", () => {
  it("decides every job once, runs it once, and finishes it", async () => {
    const terminal = (s: Record<string, number>) => (s.success ?? 0) + (s.failed ?? 0) + (s.canceled ?? 0);
    await waitFor(async () => terminal(await system.simStats()) === JOBS, { timeoutMs: 150_000, intervalMs: 500, what: `${JOBS} jobs finished` });
    // Each job that did not succeed, with GitLab's reason, so a failure says what happened.
    const notSucceeded: string[] = [];
    for (const id of ids) {
      const job = (await (await fetch(`${system.gitlabUrl}/sim/jobs/${id}`, { headers: { "private-token": system.fleet.gitlab.adminToken } })).json()) as { status: string; failureReason: string | null };
      if (job.status !== "success") notSucceeded.push(`${id}: ${job.status} (${job.failureReason ?? "no reason"})`);
    }
    expect(notSucceeded).toEqual([]);
    expect(await system.simStats()).toMatchObject({ success: JOBS });
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
    // Each finished outcome carries its decision for learning (durable, unlike the decision message).
    const decisionOf = new Map(decided.map((d) => [d.jobId, d]));
    expect(finished.filter((o) => o.decision?.decisionId !== decisionOf.get(o.jobId)?.decisionId || o.decision?.runnerId !== decisionOf.get(o.jobId)?.runnerId)).toEqual([]);
  }, 200_000);

  it("never puts a token in a published message or a log line", () => {
    const secrets = [...system.fleet.runners.map((r) => r.token), ...system.fleet.pools.map((p) => p.upstreamToken), system.fleet.gitlab.adminToken];
    const published = everything.messages.map((m) => m.string()).join("\n");
    const logs = system.processes.filter((p) => !p.name.startsWith("sim")).map((p) => p.output()).join("\n");
    for (const secret of secrets) {
      expect(published.includes(secret)).toBe(false);
      expect(logs.includes(secret)).toBe(false);
    }
    // Job tokens are minted by GitLab per job; none may leave the broker.
    expect(published).not.toMatch(/glcbt-/);
    expect(logs).not.toMatch(/glcbt-/);
    expect(everything.messages.length).toBeGreaterThan(JOBS);
  });

  it("never puts a token in a metric name, label or value of any agent's /metrics", async () => {
    const secrets = [...system.fleet.runners.map((r) => r.token), ...system.fleet.pools.map((p) => p.upstreamToken), system.fleet.gitlab.adminToken];
    const agents = system.processes.filter((p) => !p.name.startsWith("sim"));
    expect(agents.map((p) => p.name).sort()).toEqual(["assigner", "monitor", "optimizer", "scorer"]);
    for (const agent of agents) {
      // Each agent logs its HTTP address once it listens (libs/runtime agent.ts): {"http":"http://127.0.0.1:port"}.
      const url = /"http":"(http:\/\/[^"]+)"/.exec(agent.output())?.[1];
      expect(url, `${agent.name} logged its HTTP address`).toBeDefined();
      const text = await (await fetch(`${url}/metrics`)).text();
      // The scrape is the real one: it carries this run's decisions and outcomes, not an empty registry.
      expect(text).toMatch(/^process_cpu_seconds_total\{agent="/m);
      for (const secret of secrets) expect(text.includes(secret), `${agent.name} /metrics holds a token`).toBe(false);
      expect(text).not.toMatch(/glcbt-|glrt-/);
    }
  });
});
