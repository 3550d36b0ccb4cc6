import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "@switchyard/runtime";
import { TEST_NATS_URL, TEST_REDIS_URL, uniquePrefix } from "@switchyard/testing";
import { HANDOFF_SCHEMA, handoffGoals, runHandoffBench, type HandoffCase } from "../src/live/run-handoff-bench.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

describe("the hand-off comparison at a tiny scale", () => {
  const workDir = mkdtempSync(join(tmpdir(), "switchyard-handoff-bench-"));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it("measures offer → runner for runners asking GitLab straight and through the broker", async () => {
    const progress: string[] = [];
    const results = await runHandoffBench({
      root: ROOT, workDir, natsUrl: TEST_NATS_URL, redisUrl: TEST_REDIS_URL, runnerCounts: [4], rate: 5, seconds: 2, warmupSeconds: 1, jobSeconds: 6,
      repeat: 1, limit: 2, pools: 1, speed: 60, prefixFor: (label) => uniquePrefix(`handoff${label}`),
    }, { log: createLogger({ name: "handoff-test", level: "silent" }), progress: (line) => progress.push(line) });
    expect(results.schema).toBe(HANDOFF_SCHEMA);
    // Light runners by default, and the output says so.
    expect(results.config.runnerWork).toBe("light");
    expect(progress).toContain(progress.find((l) => /^load driver: light runners \(PUT running, then the final PUT/.test(l)));
    const [c] = results.cases;
    // Every job offered while measuring reached a runner, both ways, each with a positive hand-off.
    for (const mode of ["direct", "broker"] as const) {
      expect(c![mode].runs).toHaveLength(1);
      expect(c![mode].runs[0]!.count).toBeGreaterThanOrEqual(8);
      expect(c![mode].p50.median).toBeGreaterThan(0);
    }
    // Where the broker's hand-offs went: the sim GitLab's pick, then each of the assigner's stages, every one measured.
    expect(c!.broker.stages.map((st) => st.stage)).toEqual(["gitlab", "intake", "queued", "read", "scored", "reserved", "woken", "collected", "written"]);
    for (const st of c!.broker.stages) expect(st.p50.median, st.stage).toBeGreaterThanOrEqual(0);
    expect(progress.some((l) => /broker, run 1\/1: .*stages p50\/p99 ms: gitlab [\d.]+\/[\d.]+, intake /.test(l))).toBe(true);
    expect(c!.addedP50).toBe(Math.round((c!.broker.p50.median! - c!.direct.p50.median!) * 100) / 100);
    expect(progress.some((l) => /4 runners, direct, run 1\/1/.test(l)) && progress.some((l) => /4 runners, broker, run 1\/1/.test(l))).toBe(true);
  }, 120_000);
});

describe("the hand-off goals", () => {
  const spread = (median: number) => ({ median, min: median, max: median, runs: 1 });
  const row = (runners: number, direct: number, broker: number): HandoffCase => ({
    runners, direct: { runs: [], p50: spread(direct), p99: spread(direct) }, broker: { runs: [], p50: spread(broker), p99: spread(broker), stages: [] }, addedP50: broker - direct,
  });

  it("judge the broker's cost with 50 runners and its gain with 500", () => {
    expect(handoffGoals([row(50, 10, 14), row(500, 60, 25)]).map((g) => g.met)).toEqual([true, true]);
    expect(handoffGoals([row(50, 10, 16), row(500, 20, 25)]).map((g) => g.met)).toEqual([false, false]);
    expect(handoffGoals([]).map((g) => g.met)).toEqual([null, null]);
  });
});
