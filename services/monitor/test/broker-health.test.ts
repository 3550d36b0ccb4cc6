// A runner behind Switchyard never calls GitLab, so GitLab's REST API reports it `never_contacted` (gitlabhq
// app/models/ci/runner.rb `#status`: `return :never_contacted unless contacted_at`), and only GitLab's own
// jobs/request moves contacted_at. The monitor must judge it by the broker's sightings (RunnerContactV1,
// written by the assigner's runner-sightings.ts on every poll and job call), or it marks the whole fleet
// unhealthy and the assigner, FIFO fallback included (deciding/runner-health.ts), gives it nothing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunnerContact, RunnerState } from "@switchyard/contracts";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createSimulatedGitLab, fleetRegistrations, generateFleet, type SimulatedGitLab } from "@switchyard/gitlab-sim";
import { GITLAB_TOKEN, startHarness, type Harness } from "./harness.js";

const fleet = generateFleet({ pools: [{ name: "linux", tags: ["linux"], runUntagged: true }], runnersPerPool: 2, seed: 7, adminToken: GITLAB_TOKEN });

describe("health of runners behind Switchyard", () => {
  let env: TestEnv;
  let sim: SimulatedGitLab;
  let h: Harness<SimulatedGitLab>;

  beforeEach(async () => {
    env = await createTestEnv("broker-health");
    sim = await createSimulatedGitLab({ adminToken: GITLAB_TOKEN, runners: fleetRegistrations(fleet), log: createLogger({ name: "sim", level: "silent" }), longPollMs: 0 });
    h = await startHarness(env, sim, {
      fleet: fleet.runners.map((r) => ({ id: r.id, pool: r.pool, gitlabRunnerId: r.gitlabRunnerId })),
      settings: { brokerContactTimeoutMs: 180_000, staleAfterMs: 600_000 },
    });
  });
  afterEach(async () => {
    await h.close();
    await sim.close();
    await env.close();
  });

  const contact = (runnerId: string, at: number): RunnerContact => ({ v: 1, runnerId, pool: "linux", lastPollAt: at, lastJobCallAt: null, systemId: "s_0123456789ab", version: "18.5.0" });
  const stored = async (runnerId: string) => JSON.parse((await env.redis.hget(env.keys.runners, runnerId)) ?? "null") as RunnerState | null;

  it("shows them never_contacted in GitLab even while the pool's registration polls (no simulator shortcut)", async () => {
    const pool = fleet.pools[0]!;
    const res = await fetch(`${sim.url}/api/v4/jobs/request`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: pool.upstreamToken }) });
    expect(res.status).toBe(204);
    const shown = await (await fetch(`${sim.url}/api/v4/runners/${fleet.runners[0]!.gitlabRunnerId}`, { headers: { "private-token": GITLAB_TOKEN } })).json() as { status: string };
    expect(shown.status).toBe("never_contacted");
    const { states } = await h.monitor.pollOnce();
    expect(states.map((s) => [s.runnerId, s.healthy, s.status])).toEqual([["r-001", false, "never_contacted"], ["r-002", false, "never_contacted"]]);
  });

  it("marks a runner the broker heard from healthy and online, and unhealthy once the broker has not heard from it in time", async () => {
    await env.redis.hset(env.keys.runnerContacts, "r-001", JSON.stringify(contact("r-001", h.clock.now - 30_000)));
    await h.monitor.pollOnce();
    expect(await stored("r-001")).toMatchObject({ healthy: true, status: "online", contactedAt: h.clock.now - 30_000 });
    expect(await stored("r-002")).toMatchObject({ healthy: false, status: "never_contacted" });

    h.clock.now += 200_000;
    await h.monitor.pollOnce();
    expect(await stored("r-001")).toMatchObject({ healthy: false, status: "never_contacted" });
  });

  it("ignores a contact entry that breaks the contract", async () => {
    await env.redis.hset(env.keys.runnerContacts, "r-001", JSON.stringify({ ...contact("r-001", h.clock.now), v: 2 }));
    await env.redis.hset(env.keys.runnerContacts, "r-002", "not json");
    const { states } = await h.monitor.pollOnce();
    expect(states.every((s) => !s.healthy)).toBe(true);
  });
});
