import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import type { FleetEvent } from "@switchyard/contracts";
import { fixtureRunner, type FixtureGitLab } from "@switchyard/gitlab-client/testing";
import type { FleetRunner } from "../src/config.js";
import { GITLAB_TOKEN, startFixtureGitLab, startFixtureMetrics, startHarness, type FixtureMetrics, type Harness } from "./harness.js";

describe("recycling drained runners", () => {
  let env: TestEnv;
  let gitlab: FixtureGitLab;
  let hosts: FixtureMetrics[];
  let h: Harness;

  beforeEach(async () => {
    env = await createTestEnv("recycle");
    gitlab = await startFixtureGitLab({ token: GITLAB_TOKEN });
    hosts = [];
    const fleet: FleetRunner[] = [];
    for (let i = 1; i <= 4; i++) {
      gitlab.runners.set(200 + i, fixtureRunner(200 + i));
      const host = await startFixtureMetrics({ running: 0, diskUsed: 0.2 });
      hosts.push(host);
      fleet.push({ id: `r-00${i}`, pool: "docker", gitlabRunnerId: 200 + i, metricsUrl: host.url });
    }
    h = await startHarness(env, gitlab, { fleet, recycling: { maxRecyclingShare: 0.25 } });
  });

  afterEach(async () => {
    await h.close();
    await Promise.all([gitlab.close(), ...hosts.map((x) => x.close())]);
    await env.close();
  });

  const paused = () => [...gitlab.runners.values()].filter((r) => r.paused).map((r) => r.id);

  it("pauses a draining runner only once it runs nothing", async () => {
    hosts[0]!.set({ diskUsed: 0.8, running: 1 });
    await h.monitor.pollOnce();
    expect(paused()).toEqual([]);
    const recycling = env.collect(env.subjects.event("runner.recycling"));
    const destroyRequests = env.collect(env.subjects.event("runner.recycle-requested"));
    hosts[0]!.set({ running: 0 });
    await h.monitor.pollOnce();
    await recycling.waitForCount(1);
    expect(paused()).toEqual([201]);
    expect(recycling.json<FleetEvent>()[0]).toMatchObject({ runnerId: "r-001", pool: "docker" });
    await destroyRequests.waitForCount(1);
    expect(destroyRequests.json<FleetEvent>()[0]).toMatchObject({ runnerId: "r-001", pool: "docker" });
  });

  it("never recycles more than the pool's disruption budget at once, and takes the next when one is done", async () => {
    const recycling = env.collect(env.subjects.event("runner.recycling"));
    const destroyRequests = env.collect(env.subjects.event("runner.recycle-requested"));
    const deferred = env.collect(env.subjects.event("runner.recycle-deferred"));
    const recycled = env.collect(env.subjects.event("runner.recycled"));
    for (const host of hosts.slice(0, 3)) host.set({ diskUsed: 0.9 });

    await h.monitor.pollOnce();
    await h.monitor.pollOnce();
    await recycling.waitForCount(1);
    await deferred.waitForCount(2);
    expect(paused()).toEqual([201]); // 25% of 4 = 1 at a time
    expect(deferred.messages).toHaveLength(2); // announced once per runner, not once per poll

    hosts[0]!.set({ diskUsed: 0.3 }); // r-001's disk was cleaned
    await h.monitor.pollOnce();
    await recycled.waitForCount(1);
    expect(recycled.json<FleetEvent>()[0]).toMatchObject({ runnerId: "r-001" });
    // The freed slot of the budget goes to the next waiting runner in the same review.
    await recycling.waitForCount(2);
    expect(paused()).toEqual([202]);
    await h.monitor.pollOnce();
    expect(paused()).toEqual([202]);
    expect(recycling.messages).toHaveLength(2);
  });
});
