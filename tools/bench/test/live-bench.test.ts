import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { createLogger } from "@switchyard/runtime";
import { TEST_NATS_URL, TEST_REDIS_URL, uniquePrefix } from "@switchyard/testing";
import { AGENTS, SIMULATORS } from "../src/live/live-system.js";
import { LIVE_SCHEMA, type LiveResults } from "../src/live/live-results.js";
import { liveTables } from "../src/live/live-table.js";
import { runLiveBench } from "../src/live/run-live-bench.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

describe("the live bench at a tiny scale", () => {
  const workDir = mkdtempSync(join(tmpdir(), "switchyard-live-bench-"));
  const prefix = uniquePrefix("livebench");
  const progress: string[] = [];
  let results: LiveResults;
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it("runs the four agents on real NATS and Redis and reports one step with decisions counted", async () => {
    results = await runLiveBench({
      root: ROOT, workDir, prefix, natsUrl: TEST_NATS_URL, redisUrl: TEST_REDIS_URL,
      runners: 20, pools: 1, limit: 4, speed: 60, jobSeconds: 6,
      rates: [20], stepSeconds: 2, warmupSeconds: 0, deadlineMs: 60_000,
    }, { log: createLogger({ name: "bench-test", level: "silent" }), progress: (line) => progress.push(line) });

    expect(results.schema).toBe(LIVE_SCHEMA);
    expect(results.config).toMatchObject({ runners: 20, pools: 1, limit: 4, slots: 80, rates: [20], runnerWork: "light" });
    // The light mode reached the sim runners' process, not only the results file.
    expect(readFileSync(join(workDir, "logs", "sim-runners.log"), "utf8")).toMatch(/sim-runners started 20 runners, .*\(job work: light\)/);
    expect(results.machine.cpus).toBeGreaterThan(0);
    // The floor is measured for real, one round trip at a time, and the chain's floor adds them up.
    expect(results.floor.natsRequestMs.count).toBe(results.floor.samples);
    expect(results.floor.redisEvalMs.count).toBe(results.floor.samples);
    expect(results.floor.natsRequestMs.p50).toBeGreaterThan(0);
    expect(results.floor.shortChainMs.p50).toBeCloseTo(results.floor.natsRequestMs.p50! + 2 * results.floor.redisEvalMs.p50!, 1);
    expect(results.steps).toHaveLength(1);
    const [step] = results.steps;
    expect(step!.rate).toBe(20);
    expect(step!.offered).toBeGreaterThan(0);
    expect(step!.decisions).toBeGreaterThan(0);
    expect(step!.modes.rule).toBeGreaterThan(0);
    for (const stats of Object.values(step!.latencyMs)) expect(Object.keys(stats).sort()).toEqual(["count", "max", "mean", "p50", "p99"]);
    expect(step!.latencyMs.queuedToDecided.count).toBe(step!.decisions);
    expect(step!.utilization.slots).toBe(80);
    for (const agent of AGENTS) expect(step!.processes[agent]?.rssMb).toBeGreaterThan(0);
    // The agents' and the simulators' CPU are reported apart, each the sum of its processes.
    const sum = (names: readonly string[]) => Math.round(names.reduce((n, p) => n + step!.processes[p]!.cpuPercent, 0) * 10) / 10;
    expect(step!.cpuPercent).toEqual({ agents: sum(AGENTS), simulators: sum(SIMULATORS) });
    expect(step!.cpuPercent.simulators).toBeGreaterThan(0);
    expect(results.summary.goals.map((g) => g.name)).toHaveLength(3);
    expect(typeof results.stoppedBecause).toBe("string");
    // The step starts only once the system has decided a probe job, not when the processes are merely up.
    expect(progress.findIndex((l) => /placing jobs: a probe job per pool decided/.test(l))).toBeLessThan(progress.findIndex((l) => /20 jobs\/s {2}1\/2 s/.test(l)));
    expect(progress.some((l) => /placing jobs/.test(l))).toBe(true);
  }, 60_000);

  it("prints a progress line per second of the step", () => {
    expect(progress.filter((l) => /20 jobs\/s {2}\d\/2 s/.test(l))).toHaveLength(2);
  });

  it("prints every goal beside its figure", () => {
    const table = liveTables(results);
    for (const goal of results.summary.goals) expect(table).toContain(goal.name);
    expect(table).toContain("queued→decided");
    expect(table).toMatch(/^Load driver: light runners \(PUT running, then the final PUT at once: 2 job updates per job/m);
    expect(table).toMatch(/agents CPU%\s+simulators CPU%/);
    expect(table).toMatch(/Floor, measured at start .* NATS request\/reply .* Redis EVALSHA/);
  });

  it("leaves no Redis keys of its prefix behind", async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
