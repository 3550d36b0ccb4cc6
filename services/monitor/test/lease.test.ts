import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, startNodeProcess, waitFor, type RunningProcess, type TestEnv } from "@switchyard/testing";
import { fixtureRunner, startFixtureGitLab, type FixtureGitLab } from "@switchyard/gitlab-client/testing";
import { GITLAB_TOKEN, startFixtureMetrics, type FixtureMetrics } from "./harness.js";
import { freePort } from "@switchyard/runtime";

const LEASE_TTL_MS = 900;
const DIRECT_RUNNER = 77;

/** A metric's value (summed over its samples) from a process's /metrics. */
async function metric(http: string, name: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

describe("two monitor replicas", () => {
  let env: TestEnv;
  let gitlab: FixtureGitLab;
  let metrics: FixtureMetrics;
  const procs: RunningProcess[] = [];

  beforeEach(async () => {
    env = await createTestEnv("monitorlease");
    gitlab = await startFixtureGitLab({ token: GITLAB_TOKEN });
    gitlab.runners.set(31, fixtureRunner(31, { tag_list: ["docker"] }));
    gitlab.runners.set(DIRECT_RUNNER, fixtureRunner(DIRECT_RUNNER, { paused: true }));
    metrics = await startFixtureMetrics({ running: 1, limit: 2, diskUsed: 0.1 });
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop("SIGKILL");
    await Promise.all([gitlab.close(), metrics.close()]);
    await env.close();
  });

  async function startMonitor(name: string): Promise<{ proc: RunningProcess; http: string }> {
    const port = await freePort();
    const proc = startNodeProcess(name, "services/monitor/dist/main.js", env.agentEnv({
      SWITCHYARD_INSTANCE_ID: name,
      SWITCHYARD_HTTP_PORT: String(port),
      SWITCHYARD_GITLAB_URL: gitlab.url,
      SWITCHYARD_GITLAB_TOKEN: GITLAB_TOKEN,
      SWITCHYARD_POLL_INTERVAL_MS: "200",
      SWITCHYARD_LEASE_TTL_MS: String(LEASE_TTL_MS),
      SWITCHYARD_WATCHDOG_THRESHOLD_MS: "400",
      SWITCHYARD_DIRECT_RUNNER_IDS: JSON.stringify([DIRECT_RUNNER]),
      SWITCHYARD_FLEET: JSON.stringify([{ id: "r-001", pool: "docker", gitlabRunnerId: 31, metricsUrl: metrics.url }]),
    }));
    procs.push(proc);
    await proc.waitForOutput(/monitor listening/);
    return { proc, http: `http://127.0.0.1:${port}` };
  }

  it("lets only the lease holder poll GitLab and run the FIFO watchdog, and the other take over when it dies", async () => {
    const engaged = env.collect(env.subjects.event("fifo.fallback-engaged"));
    const a = await startMonitor("monitor-a");
    await a.proc.waitForOutput(/lease acquired/);
    const b = await startMonitor("monitor-b");
    await b.proc.waitForOutput(/standing by for the monitor lease/);

    // Several lease rounds of B (every TTL/3) while A keeps polling.
    const polledByA = await metric(a.http, "switchyard_monitor_poll_duration_seconds_count");
    await waitFor(async () => (await metric(a.http, "switchyard_monitor_poll_duration_seconds_count")) >= polledByA + 8, { what: "A polling" });
    expect(await metric(a.http, "switchyard_monitor_leader")).toBe(1);
    expect(await metric(b.http, "switchyard_monitor_leader")).toBe(0);
    expect(await metric(b.http, "switchyard_monitor_poll_duration_seconds_count")).toBe(0);
    // No assigner heartbeat: A's watchdog, and only A's, fell back to FIFO.
    await engaged.waitForCount(1);
    expect(gitlab.runners.get(DIRECT_RUNNER)?.paused).toBe(false);
    expect(engaged.messages).toHaveLength(1);
    // The standby answers /api/fleet from what the holder wrote.
    const fleet = await (await fetch(`${b.http}/api/fleet`)).json() as { runners: { runnerId: string }[] };
    expect(fleet.runners.map((r) => r.runnerId)).toEqual(["r-001"]);

    const killedAt = Date.now();
    await a.proc.stop("SIGKILL");
    await b.proc.waitForOutput(/lease acquired/, 10_000);
    // The lease lapses one TTL after A's last renewal; B looks every TTL/3.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_TTL_MS * 3);
    expect(await metric(b.http, "switchyard_monitor_leader")).toBe(1);
    await waitFor(async () => (await metric(b.http, "switchyard_monitor_poll_duration_seconds_count")) >= 2, { what: "B polling" });
    // B's watchdog starts from "unknown" and applies FIFO itself.
    await engaged.waitForCount(2);
  }, 40_000);
});
