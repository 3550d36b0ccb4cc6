import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { createRunnerFleet, type SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createLogger } from "@switchyard/runtime";
import { runnerClient } from "./runner-client.js";
import { runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

// What a real fleet does with one token:
// - gitlab-runner holds up to `request_concurrency` jobs/request at once per [[runners]] entry
//   (commands/builds_helper.go acquireRequest; commands/multi.go processRunner → requestJob), each
//   carrying the same token, system_id and last_update (network/gitlab.go PrepareJobRequest).
// - GitLab keys the managers of one runner by system_id (app/models/ci/runner.rb Ci::Runner#ensure_manager,
//   called from lib/api/ci/helpers/runner.rb authenticate_runner!), so several hosts share one token.
// Every one of those polls is a free slot; a job queued behind one of them must not wait out the long poll.

const LONG_POLL_MS = 20_000;

let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner;

beforeEach(async () => {
  env = await createTestEnv("concurrency");
  sim = await startSim();
});
afterEach(async () => {
  await sy?.stop();
  await sim.close();
  await env.close();
});

async function heldPolls(): Promise<number> {
  const gauge = sy.rt.metrics.registry.getSingleMetric("switchyard_waiting_polls");
  return (await gauge?.get())?.values[0]?.value ?? 0;
}

describe("one token is as many slots as it holds polls", () => {
  it("hands two queued jobs to one token's two concurrent polls at once (request_concurrency = 2)", async () => {
    sy = await startTestAssigner(env, sim.url, 1, { SWITCHYARD_LONG_POLL_MS: String(LONG_POLL_MS) });
    const runner = runnerClient(sy.brokerUrl, runnerToken(1), { requestConcurrency: 2 });
    const first = await runner.requestJob();
    expect(first.status).toBe(204);
    const polls = runner.requestJobs(first.lastUpdate);
    await waitFor(async () => (await heldPolls()) === 2, { what: "both polls held" });

    const started = Date.now();
    const jobs = [
      sim.enqueueJob({ name: "build", stage: "build", tags: ["linux"], durationSeconds: 1 }),
      sim.enqueueJob({ name: "test", stage: "build", tags: ["linux"], durationSeconds: 1 }),
    ];
    const got = await polls;
    expect(got.map((r) => r.status)).toEqual([201, 201]);
    expect(got.map((r) => r.job?.id).sort()).toEqual([...jobs].sort());
    // Well inside one long poll: the second job did not wait for the second poll to time out.
    expect(Date.now() - started).toBeLessThan(LONG_POLL_MS / 4);
  });

  it("counts two managers (system_ids) sharing one token as two slots", async () => {
    sy = await startTestAssigner(env, sim.url, 1, { SWITCHYARD_LONG_POLL_MS: String(LONG_POLL_MS) });
    const a = runnerClient(sy.brokerUrl, runnerToken(1), { systemId: "s_aaaaaaaaaaaa" });
    const b = runnerClient(sy.brokerUrl, runnerToken(1), { systemId: "s_bbbbbbbbbbbb" });
    const version = (await a.requestJob()).lastUpdate;
    const polls = Promise.all([a.requestJob(version), b.requestJob(version)]);
    await waitFor(async () => (await heldPolls()) === 2, { what: "both managers polling" });
    expect(await sy.rt.redis.zcard(env.keys.polling("linux"))).toBe(2);

    const started = Date.now();
    sim.enqueueJob({ name: "one", stage: "build", tags: ["linux"], durationSeconds: 1 });
    sim.enqueueJob({ name: "two", stage: "build", tags: ["linux"], durationSeconds: 1 });
    expect((await polls).map((r) => r.status)).toEqual([201, 201]);
    expect(Date.now() - started).toBeLessThan(LONG_POLL_MS / 4);
    // Each poll that got a job left the polling set with it: nothing counts as a free slot now.
    await waitFor(async () => (await sy.rt.redis.zcard(env.keys.polling("linux"))) === 0, { what: "no free slot left" });
  });

  it("keeps a simulated gitlab-runner with request_concurrency 2 and limit 2 busy on both slots", async () => {
    sy = await startTestAssigner(env, sim.url, 1, { SWITCHYARD_LONG_POLL_MS: String(LONG_POLL_MS) });
    const fleet = await createRunnerFleet({
      url: sy.brokerUrl, speed: 1, log: createLogger({ name: "runners", level: "silent" }), checkIntervalMs: 50,
      runners: [{ id: "r-001", token: runnerToken(1), limit: 2, requestConcurrency: 2 }],
    });
    try {
      await waitFor(async () => (await heldPolls()) === 2, { what: "both request workers held" });
      const started = Date.now();
      sim.enqueueJob({ name: "a", stage: "build", tags: ["linux"], durationSeconds: 30 });
      sim.enqueueJob({ name: "b", stage: "build", tags: ["linux"], durationSeconds: 30 });
      await waitFor(() => fleet.stats()[0]!.running === 2, { what: "both jobs running on r-001" });
      expect(Date.now() - started).toBeLessThan(LONG_POLL_MS / 4);
    } finally {
      await fleet.close();
    }
  });
});
