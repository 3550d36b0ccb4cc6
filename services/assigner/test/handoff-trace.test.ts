import { afterEach, describe, expect, it } from "vitest";
import { Histogram, Registry } from "prom-client";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createHandoffTrace, HANDOFF_STAGES } from "../src/handoff-trace.js";
import { runnerClient } from "./runner-client.js";
import { runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

function histogram() {
  const registry = new Registry();
  const h = new Histogram({ name: "t_stage_seconds", help: "t", labelNames: ["stage"] as const, buckets: [0.001, 0.01, 0.1, 1], registers: [registry] });
  /** Per stage: how many observations, and their sum in ms. */
  const read = async () => {
    const values = (await h.get()).values;
    const out: Record<string, { count: number; sumMs: number }> = {};
    for (const v of values) {
      const stage = String(v.labels.stage);
      out[stage] ??= { count: 0, sumMs: 0 };
      if (v.metricName === "t_stage_seconds_count") out[stage].count = v.value;
      if (v.metricName === "t_stage_seconds_sum") out[stage].sumMs = Math.round(v.value * 1000);
    }
    return out;
  };
  return { h, read };
}

describe("the hand-off trace", () => {
  it("observes each stage between two marks once the 201 is written, and forgets the job", async () => {
    const { h, read } = histogram();
    const trace = createHandoffTrace(h);
    const marks = ["received", ...HANDOFF_STAGES.slice(0, -1)] as const;
    marks.forEach((m, i) => trace.mark(7, m, 1_000 + i * i));
    trace.finish(7, 1_000 + 64);
    const got = await read();
    // Mark i at i² ms, the 201 at 64: stage i spans i² − (i−1)² ms, 1, 3, 5, … 15.
    expect(HANDOFF_STAGES.map((s) => got[s]?.sumMs)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
    expect(HANDOFF_STAGES.map((s) => got[s]?.count)).toEqual(HANDOFF_STAGES.map(() => 1));
    // Forgotten: a second 201 for it (it cannot happen) has only the stage it ends, and no start for it.
    trace.finish(7, 2_000);
    expect((await read()).written?.count).toBe(1);
  });

  it("skips a stage whose start this process did not see (another replica took the job in or placed it)", async () => {
    const { h, read } = histogram();
    const trace = createHandoffTrace(h);
    trace.mark(9, "woken", 100);
    trace.mark(9, "collected", 102);
    trace.finish(9, 103);
    const got = await read();
    expect(Object.entries(got).filter(([, v]) => v.count > 0).map(([s]) => s)).toEqual(["collected", "written"]);
  });
});

describe("the assigner times a real hand-off", () => {
  let env: TestEnv | undefined;
  let sim: SimulatedGitLab | undefined;
  let sy: RunningAssigner | undefined;
  afterEach(async () => { await sy?.stop(); await sim?.close(); await env?.close(); sy = undefined; sim = undefined; env = undefined; });

  it("observes every stage of a job handed over a held long poll, labelled by stage only", async () => {
    env = await createTestEnv("handoff-trace");
    sim = await startSim();
    sy = await startTestAssigner(env, sim.url, 1);
    const runner = runnerClient(sy.brokerUrl, runnerToken(1));
    const first = await runner.requestJob();
    const held = runner.requestJob(first.lastUpdate);
    sim.enqueueJob({ name: "build", stage: "build", tags: ["linux"], durationSeconds: 1 });
    expect((await held).status).toBe(201);
    const metric = await sy.rt.metrics.registry.getSingleMetric("switchyard_handoff_stage_seconds")!.get();
    const values = metric.values as { metricName?: string; labels: Record<string, string | number>; value: number }[];
    const counts = Object.fromEntries(values.filter((v) => v.metricName === "switchyard_handoff_stage_seconds_count").map((v) => [v.labels.stage, v.value]));
    expect(counts).toEqual(Object.fromEntries(HANDOFF_STAGES.map((s) => [s, 1])));
    // `agent` is every series's (libs/runtime); nothing names a job, a runner or a pool.
    for (const v of values) expect(Object.keys(v.labels).filter((k) => k !== "le" && k !== "agent")).toEqual(["stage"]);
  });
});
