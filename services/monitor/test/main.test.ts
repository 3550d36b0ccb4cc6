import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, startNodeProcess, waitFor, type RunningProcess, type TestEnv } from "@switchyard/testing";
import type { RunnerState } from "@switchyard/contracts";
import { fixtureRunner, startFixtureGitLab, type FixtureGitLab } from "@switchyard/gitlab-client/testing";
import { GITLAB_TOKEN, startFixtureMetrics, type FixtureMetrics } from "./harness.js";

describe("monitor process", () => {
  let env: TestEnv;
  let gitlab: FixtureGitLab;
  let metrics: FixtureMetrics;
  let proc: RunningProcess | undefined;

  beforeEach(async () => {
    env = await createTestEnv("monitorproc");
    gitlab = await startFixtureGitLab({ token: GITLAB_TOKEN });
    gitlab.runners.set(31, fixtureRunner(31, { tag_list: ["docker"] }));
    metrics = await startFixtureMetrics({ running: 1, limit: 2, diskUsed: 0.1 });
  });

  afterEach(async () => {
    await proc?.stop();
    await Promise.all([gitlab.close(), metrics.close()]);
    await env.close();
  });

  it("runs from env config, writes fleet state, publishes it and stops cleanly without logging the token", async () => {
    const states = env.collect(env.subjects.runnerState("r-001"));
    proc = startNodeProcess("monitor", "services/monitor/dist/main.js", env.agentEnv({
      SWITCHYARD_GITLAB_URL: gitlab.url,
      SWITCHYARD_GITLAB_TOKEN: GITLAB_TOKEN,
      SWITCHYARD_POLL_INTERVAL_MS: "200",
      SWITCHYARD_FLEET: JSON.stringify([{ id: "r-001", pool: "docker", gitlabRunnerId: 31, metricsUrl: metrics.url }]),
    }));
    await states.waitForCount(1, 15_000);
    expect(states.json<RunnerState>()[0]).toMatchObject({ runnerId: "r-001", tags: ["docker"], running: 1, limit: 2, healthy: true });
    await waitFor(() => env.redis.hexists(env.keys.runners, "r-001"), { what: "state in Redis" });
    const listening = await proc.waitForOutput(/"http":"http:[^"]+"/);
    const fleet = await (await fetch(`${JSON.parse(`{${listening}}`).http}/api/fleet`)).json() as { runners: RunnerState[] };
    expect(fleet.runners.map((r) => r.runnerId)).toEqual(["r-001"]);
    metrics.set({ running: 2 });
    await states.waitForCount(2, 15_000);
    expect(await proc.stop()).toBe(0);
    expect(proc.output()).not.toContain(GITLAB_TOKEN);
  });
});
