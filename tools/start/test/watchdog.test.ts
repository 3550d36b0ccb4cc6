import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulatedGitLab, fleetRegistrations, generateFleet, type SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createLogger, deleteStream, freePort } from "@switchyard/runtime";
import { createTestEnv, startNodeProcess, waitFor, type RunningProcess, type TestEnv } from "@switchyard/testing";
import { writeDemoConfig } from "../src/demo-config.js";

const THRESHOLD_MS = 1_500;
let env: TestEnv;
let dir: string;
let sim: SimulatedGitLab;
let monitor: RunningProcess;
let assigner: RunningProcess;
let assignerEnv: Record<string, string>;
const fleet = generateFleet({ runnersPerPool: 2, seed: 3 });
const directIds = fleet.directRunners.map((d) => d.gitlabRunnerId);
const directPaused = () => directIds.map((id) => sim.state.runner(id)?.paused);

beforeAll(async () => {
  env = await createTestEnv("watchdog");
  dir = mkdtempSync(join(tmpdir(), "switchyard-watchdog-"));
  const ports = { gitlab: await freePort(), broker: await freePort(), runnersMetrics: await freePort() };
  sim = await createSimulatedGitLab({ port: ports.gitlab, adminToken: fleet.gitlab.adminToken, runners: fleetRegistrations(fleet), log: createLogger({ name: "sim", level: "silent" }) });
  const layout = writeDemoConfig(dir, fleet, ports, { speed: 60 });
  monitor = startNodeProcess("monitor", "services/monitor/dist/main.js", env.agentEnv({
    SWITCHYARD_CONFIG: layout.monitorConfig, SWITCHYARD_WATCHDOG_THRESHOLD_MS: String(THRESHOLD_MS), SWITCHYARD_HTTP_PORT: "0",
  }));
  assignerEnv = env.agentEnv({ SWITCHYARD_CONFIG: layout.assignerConfig, SWITCHYARD_HTTP_PORT: "0", SWITCHYARD_HEARTBEAT_INTERVAL_MS: "200" });
  assigner = startNodeProcess("assigner", "services/assigner/dist/main.js", assignerEnv);
  await Promise.all([monitor.waitForOutput(/monitor listening/), assigner.waitForOutput(/assigner listening/)]);
}, 60_000);

afterAll(async () => {
  await assigner.stop();
  await monitor.stop();
  await sim.close();
  await deleteStream(env.nc, env.subjects.outcomeStream);
  await env.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("the FIFO watchdog on the simulated GitLab", () => {
  it("unpauses the direct runners when the assigner process dies and pauses them again when it is back", async () => {
    expect(directIds.length).toBeGreaterThan(0);
    // Under load the assigner can take longer than the threshold to send its first ready heartbeat, so the
    // monitor may have gone FIFO at start-up; "listening" is not "paused": wait for the pause itself.
    await waitFor(() => directPaused().every((p) => p === true), { timeoutMs: 15_000, what: "direct runners paused at start" });
    const killedAt = Date.now();
    await assigner.stop("SIGKILL");
    await waitFor(() => directPaused().every((p) => p === false), { timeoutMs: 15_000, what: "direct runners unpaused" });
    // Within the threshold plus one check and the GitLab calls.
    expect(Date.now() - killedAt).toBeLessThan(THRESHOLD_MS + 5_000);
    assigner = startNodeProcess("assigner", "services/assigner/dist/main.js", assignerEnv);
    await assigner.waitForOutput(/assigner listening/);
    await waitFor(() => directPaused().every((p) => p === true), { timeoutMs: 15_000, what: "direct runners paused again" });
  }, 60_000);
});
