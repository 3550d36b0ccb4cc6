import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import type { FleetEvent, RunnerState } from "@switchyard/contracts";
import { fixtureRunner } from "@switchyard/gitlab-client/testing";
import {
  counterValue, GITLAB_TOKEN, startFixtureGitLab, startFixtureMetrics, startHarness,
  type FixtureMetrics, type Harness,
} from "./harness.js";
import type { FixtureGitLab } from "@switchyard/gitlab-client/testing";

describe("monitor fleet state", () => {
  let env: TestEnv;
  let gitlab: FixtureGitLab;
  let r1: FixtureMetrics;
  let r2: FixtureMetrics;
  let h: Harness;

  beforeEach(async () => {
    env = await createTestEnv("monitor");
    gitlab = await startFixtureGitLab({ token: GITLAB_TOKEN });
    gitlab.runners.set(101, fixtureRunner(101, { description: "docker runner 1", tag_list: ["docker", "linux"], version: "17.5.1" }));
    gitlab.jobs.set(101, [
      { id: 9001, name: "build", stage: "build", status: "running", pipeline: { id: 1, project_id: 5 } },
      { id: 9002, name: "lint", stage: "test", status: "running", pipeline: { id: 1, project_id: 5 } },
    ]);
    r1 = await startFixtureMetrics({ running: 2, limit: 4, diskUsed: 0.3 });
    r2 = await startFixtureMetrics({ running: 1, limit: 2 });
    h = await startHarness(env, gitlab, {
      fleet: [
        { id: "r-001", pool: "docker", gitlabRunnerId: 101, metricsUrl: r1.url, cpus: 4, memoryGiB: 16 },
        { id: "r-002", pool: "docker", metricsUrl: r2.url },
      ],
    });
  });

  afterEach(async () => {
    await h.close();
    await Promise.all([gitlab.close(), r1.close(), r2.close()]);
    await env.close();
  });

  async function stored(runnerId: string): Promise<RunnerState | null> {
    const json = await env.redis.hget(env.keys.runners, runnerId);
    return json ? (JSON.parse(json) as RunnerState) : null;
  }

  it("writes each runner's state to Redis with a live TTL key and publishes it on the runner's subject", async () => {
    const states = env.collect(env.subjects.runnerStateAll);
    await h.monitor.pollOnce();
    await states.waitForCount(2);

    const r001 = await stored("r-001");
    expect(r001).toMatchObject({
      runnerId: "r-001", pool: "docker", description: "docker runner 1", tags: ["docker", "linux"], paused: false,
      status: "online", healthy: true, draining: false, running: 2, limit: 4, runningJobIds: [9001, 9002],
      version: "17.5.1", cpus: 4, memoryGiB: 16,
    });
    expect(r001!.diskUsedRatio).toBeCloseTo(0.3, 3);
    expect(await stored("r-002")).toMatchObject({ runnerId: "r-002", status: "online", healthy: true, running: 1, limit: 2, diskUsedRatio: null });
    expect(states.messages.map((m) => m.subject).sort()).toEqual([env.subjects.runnerState("r-001"), env.subjects.runnerState("r-002")]);
    expect(states.json<RunnerState>().find((s) => s.runnerId === "r-001")?.running).toBe(2);
  });

  it("publishes nothing when a later poll finds the same state, and publishes again on a change", async () => {
    const states = env.collect(env.subjects.runnerStateAll);
    await h.monitor.pollOnce();
    await states.waitForCount(2);
    h.clock.now += 5_000;
    const second = await h.monitor.pollOnce();
    expect(second.published).toEqual([]);
    expect(JSON.parse((await env.redis.hget(env.keys.runners, "r-001"))!).updatedAt).toBe(h.clock.now);

    r2.set({ running: 2 });
    await h.monitor.pollOnce();
    await states.waitForCount(3);
    // NATS keeps one publisher's order: the third message is the change, so the second poll sent nothing.
    const third = states.json<RunnerState>()[2]!;
    expect(third).toMatchObject({ runnerId: "r-002", running: 2 });
  });

  it("drains a runner whose disk is over the threshold and says so with the numbers", async () => {
    const events = env.collect(env.subjects.event("runner.draining"));
    r1.set({ diskUsed: 0.72 });
    await h.monitor.pollOnce();
    await events.waitForCount(1);
    expect((await stored("r-001"))?.draining).toBe(true);
    expect((await stored("r-002"))?.draining).toBe(false);
    const [event] = events.json<FleetEvent>();
    expect(event).toMatchObject({ kind: "runner.draining", runnerId: "r-001", pool: "docker", details: { threshold: 0.6 } });
    expect(event!.reason).toContain("72.0%");
    expect(event!.reason).toContain("60.0%");

    await h.monitor.pollOnce();
    const undrained = env.collect(env.subjects.event("runner.undrained"));
    r1.set({ diskUsed: 0.5 });
    await h.monitor.pollOnce();
    await undrained.waitForCount(1);
    expect(events.messages).toHaveLength(1);
    expect((await stored("r-001"))?.draining).toBe(false);
  });

  it("marks a runner whose metrics stop answering unhealthy and offline, then expires it instead of lying", async () => {
    await h.monitor.pollOnce();
    const states = env.collect(env.subjects.runnerState("r-002"));
    const expired = env.collect(env.subjects.event("runner.expired"));
    r2.down(true);
    h.clock.now += 10_000;
    await h.monitor.pollOnce();
    await states.waitForCount(1);
    expect(states.json<RunnerState>()[0]).toMatchObject({ healthy: false, status: "offline" });
    expect(await stored("r-002")).toMatchObject({ healthy: false, status: "offline" });

    h.clock.now += 25_000; // 35 s without a good read, past staleAfterMs (30 s)
    const summary = await h.monitor.pollOnce();
    expect(summary.expired).toEqual(["r-002"]);
    await expired.waitForCount(1);
    expect(await stored("r-002")).toBeNull();
    expect(await stored("r-001")).toMatchObject({ healthy: true });
    expect(await counterValue(h.metrics.scrapeErrors, { runner: "r-002" })).toBe(2);

    r2.down(false);
    await h.monitor.pollOnce();
    await states.waitForCount(2);
    expect(await stored("r-002")).toMatchObject({ healthy: true, status: "online" });
  });

  it("keeps a runner whose metrics answer healthy though GitLab reports it offline (it talks only to Switchyard)", async () => {
    // Ci::Runner#status reads contacted_at, which a runner behind the broker never moves (broker-health.test.ts).
    gitlab.runners.get(101)!.status = "offline";
    await h.monitor.pollOnce();
    expect(await stored("r-001")).toMatchObject({ healthy: true, status: "online" });
  });

  it("waits out a GitLab 429 as Retry-After says, then reads the runner", async () => {
    gitlab.fail({ status: 429, retryAfter: "1", path: /\/runners\/101$/ });
    await h.monitor.pollOnce();
    expect(await stored("r-001")).toMatchObject({ tags: ["docker", "linux"], runningJobIds: [9001, 9002], healthy: true });
    const shows = gitlab.requests.filter((r) => r.path === "/api/v4/runners/101");
    expect(shows).toHaveLength(2);
    expect(shows[1]!.at - shows[0]!.at).toBeGreaterThanOrEqual(950);
    expect(await counterValue(h.metrics.gitlabRetries, { status: "429" })).toBe(1);
    expect(await counterValue(h.metrics.gitlabErrors)).toBe(0);
  });

  it("keeps running while GitLab is down, counting each failure and logging once per streak, never the token", async () => {
    await h.monitor.pollOnce();
    gitlab.down(503);
    r1.set({ running: 3 });
    await h.monitor.pollOnce();
    await h.monitor.pollOnce();
    // Metrics still vouch for r-001; GitLab-only fields keep their last known values.
    expect(await stored("r-001")).toMatchObject({ healthy: true, running: 3, tags: ["docker", "linux"] });
    expect(await counterValue(h.metrics.gitlabErrors)).toBe(2);
    gitlab.down(null);
    await h.monitor.pollOnce();
    const lines = h.logs.lines();
    expect(lines.filter((l) => l.msg === "gitlab failing")).toHaveLength(1);
    expect(lines.filter((l) => l.msg === "gitlab recovered")).toHaveLength(1);
    expect(h.logs.text()).not.toContain(GITLAB_TOKEN);
  });
});
