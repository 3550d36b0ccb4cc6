import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startNodeProcess, waitFor, type RunningProcess } from "@switchyard/testing";
import { generateFleet } from "../src/index.js";

describe("sim processes", () => {
  const started: RunningProcess[] = [];
  afterEach(async () => { await Promise.all(started.map((p) => p.stop())); started.length = 0; });

  it("runs the sim GitLab with its workload and the runner fleet as two processes that complete jobs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-"));
    const fleet = generateFleet({ seed: 9, runnersPerPool: 2, limit: 2 });
    const fleetFile = join(dir, "fleet.json");
    writeFileSync(fleetFile, JSON.stringify(fleet));
    const common = { SIM_FLEET_FILE: fleetFile, SIM_SPEED: "600", SIM_LOG_LEVEL: "warn" };
    const gitlab = startNodeProcess("sim-gitlab", "libs/gitlab-sim/dist/gitlab-main.js", { ...common, SIM_RATE: "240", SIM_LONG_POLL_MS: "1000" });
    started.push(gitlab);
    const url = /http:\/\/[\d.:]+/.exec(await gitlab.waitForOutput(/sim-gitlab listening on http:\/\/\S+/))![0];
    const runners = startNodeProcess("sim-runners", "libs/gitlab-sim/dist/runners-main.js", { ...common, SIM_BROKER_URL: url });
    started.push(runners);
    const line = await runners.waitForOutput(/sim-runners started 6 runners, metrics on http:\/\/\S+/);
    const metricsUrl = /metrics on (\S+)/.exec(line)![1];
    const stats = await waitFor(async () => {
      const res = await fetch(`${url}/sim/stats`, { headers: { "PRIVATE-TOKEN": fleet.gitlab.adminToken } });
      const body = (await res.json()) as { jobs: { success: number } };
      return body.jobs.success >= 5 ? body : undefined;
    }, { timeoutMs: 20_000, what: "five finished jobs" });
    expect(stats.jobs.success).toBeGreaterThanOrEqual(5);
    expect(await (await fetch(`${metricsUrl}/runners/r-001/metrics`)).text()).toContain("gitlab_runner_jobs_total");
  });
});
