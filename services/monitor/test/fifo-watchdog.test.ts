import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import type { FleetEvent } from "@switchyard/contracts";
import { createBus, createLogger, createMetrics } from "@switchyard/runtime";
import { createGitLabClient } from "@switchyard/gitlab-client";
import { fixtureRunner, startFixtureGitLab, type FixtureGitLab } from "@switchyard/gitlab-client/testing";
import { createFailureStreaks } from "../src/failure-streaks.js";
import { createEventEmitter } from "../src/fleet-events.js";
import { createFifoWatchdog, type FifoWatchdog } from "../src/fifo-watchdog.js";
import { createMonitorMetrics } from "../src/monitor-metrics.js";
import { GITLAB_TOKEN } from "./harness.js";

describe("FIFO watchdog", () => {
  let env: TestEnv;
  let gitlab: FixtureGitLab;
  let watchdog: FifoWatchdog;
  let beats: NodeJS.Timeout | undefined;

  beforeEach(async () => {
    env = await createTestEnv("watchdog");
    gitlab = await startFixtureGitLab({ token: GITLAB_TOKEN });
    gitlab.runners.set(50, fixtureRunner(50, { paused: true }));
    gitlab.runners.set(51, fixtureRunner(51, { paused: true }));
    const log = createLogger({ name: "monitor", level: "silent" });
    const registry = createMetrics("monitor");
    const metrics = createMonitorMetrics(registry.registry);
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "monitor", log, metrics: registry });
    watchdog = createFifoWatchdog({
      bus, gitlab: createGitLabClient({ url: gitlab.url, token: GITLAB_TOKEN, log }), directRunnerIds: [50, 51],
      thresholdMs: 400, checkEveryMs: 50, emit: createEventEmitter({ bus, log, metrics, now: Date.now }),
      streaks: createFailureStreaks(log), log,
    });
  });

  afterEach(async () => {
    clearInterval(beats);
    await watchdog.stop();
    await gitlab.close();
    await env.close();
  });

  function heartbeat(): void {
    env.nc.publish(env.subjects.heartbeat("assigner"), JSON.stringify({ v: 1, agent: "assigner", instanceId: "a-1", ready: true, at: Date.now() }));
  }
  const pausedIds = () => [...gitlab.runners.values()].filter((r) => r.paused).map((r) => r.id);

  it("unpauses the direct runners when the assigner falls silent and pauses them again when it returns", async () => {
    const engaged = env.collect(env.subjects.event("fifo.fallback-engaged"));
    const released = env.collect(env.subjects.event("fifo.fallback-released"));
    watchdog.start();
    await env.nc.flush();
    beats = setInterval(heartbeat, 50);
    await waitFor(() => watchdog.mode() === "switchyard", { what: "switchyard mode" });
    expect(pausedIds()).toEqual([50, 51]);

    clearInterval(beats);
    await engaged.waitForCount(1);
    expect(watchdog.mode()).toBe("fifo");
    expect(pausedIds()).toEqual([]);
    expect(engaged.json<FleetEvent>()[0]!.reason).toMatch(/no assigner heartbeat/);

    beats = setInterval(heartbeat, 50);
    await released.waitForCount(1);
    expect(pausedIds()).toEqual([50, 51]);
    expect(engaged.messages).toHaveLength(1);
  });

  it("pauses the direct runners again when an unpause was applied but answered with an error and the assigner is back before the retry", async () => {
    // The full-suite race: under load a setPaused answer fails after GitLab applied it; the watchdog kept
    // believing "switchyard" and, with heartbeats back, never paused the runners again.
    const log = createLogger({ name: "monitor", level: "silent" });
    const registry = createMetrics("monitor");
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "monitor", log, metrics: registry });
    const real = createGitLabClient({ url: gitlab.url, token: GITLAB_TOKEN, log });
    let failOnce = true;
    const flaky = {
      ...real,
      async setPaused(id: number, paused: boolean) {
        const detail = await real.setPaused(id, paused);
        if (!paused && id === 51 && failOnce) {
          failOnce = false;
          beats = setInterval(heartbeat, 50);
          heartbeat();
          throw new Error("answer lost");
        }
        return detail;
      },
    };
    await watchdog.stop();
    watchdog = createFifoWatchdog({
      bus, gitlab: flaky, directRunnerIds: [50, 51], thresholdMs: 400, checkEveryMs: 50,
      emit: createEventEmitter({ bus, log, metrics: createMonitorMetrics(registry.registry), now: Date.now }), streaks: createFailureStreaks(log), log,
    });
    watchdog.start();
    await env.nc.flush();
    beats = setInterval(heartbeat, 50);
    await waitFor(() => watchdog.mode() === "switchyard", { what: "switchyard mode" });
    clearInterval(beats);
    await waitFor(() => !failOnce, { what: "the failed unpause" });
    await waitFor(() => pausedIds().length === 2 && watchdog.mode() === "switchyard", { what: "direct runners paused again" });
  });

  it("falls back to FIFO when no assigner heartbeat ever arrives, ignoring not-ready ones", async () => {
    const engaged = env.collect(env.subjects.event("fifo.fallback-engaged"));
    watchdog.start();
    await env.nc.flush();
    beats = setInterval(() => env.nc.publish(env.subjects.heartbeat("assigner"),
      JSON.stringify({ v: 1, agent: "assigner", instanceId: "a-1", ready: false, at: Date.now() })), 50);
    await engaged.waitForCount(1);
    expect(pausedIds()).toEqual([]);
  });
});
