import { describe, expect, it } from "vitest";
import { defaultDurationLearningConfig, defaultQueueOrderConfig, defaultWeights } from "@switchyard/decision";
import { shippedSettings, standardPolicies } from "../src/bench/policy-set.js";
import { pipelineStats, placementTally } from "../src/report/summarize.js";
import { createClassPriorityPolicy } from "../src/policies/class-priority.js";
import { createFairPolicy } from "../src/policies/fair.js";
import { createFifoPolicy } from "../src/policies/fifo.js";
import { createSwitchyardPolicy } from "../src/policies/switchyard.js";
import { simulate } from "../src/sim/simulate.js";
import { createRng } from "../src/trace/rng.js";
import { parseTrace } from "../src/trace/parse-trace.js";
import { oneRunner, rules, traceJob, waitsOf } from "./fixtures.js";

// One runner, one slot. A (MR, 100 s) at 0, B (MR, 50 s) at 10, C (production deploy, 10 s) at 20.
const TINY = `job_id,created_at,project,pipeline_id,ref_class,stage,job_name,pool,environment,environment_tier,duration_s,status
1,1000,app,11,merge_request,test,A,linux,,,100,success
2,1010,app,12,merge_request,test,B,linux,,,50,success
3,1020,app,13,default,deploy,"deploy, prod",linux,production,production,10,success
`;

describe("the simulator on a hand-made trace", () => {
  const trace = parseTrace(TINY);

  it("gives FIFO's waits by hand: A 0 s, B 90 s, C 130 s", () => {
    expect([...waitsOf(trace, oneRunner(), createFifoPolicy())]).toEqual([[1, 0], [2, 90], [3, 130]]);
  });

  it("runs the deploy first under class priority: C waits 80 s, B 100 s", () => {
    expect([...waitsOf(trace, oneRunner(), createClassPriorityPolicy())]).toEqual([[1, 0], [2, 100], [3, 80]]);
  });

  it("orders by the decision library's queue key under Switchyard, which also puts the deploy first", () => {
    const policy = createSwitchyardPolicy({ name: "sy", order: defaultQueueOrderConfig, weights: defaultWeights, learning: defaultDurationLearningConfig, headroom: null });
    expect([...waitsOf(trace, oneRunner(), policy)]).toEqual([[1, 0], [2, 100], [3, 80]]);
  });

  it("records the unavoidable wait: 0 with a free slot, else until the earliest finish", () => {
    const r = simulate({ trace, runners: oneRunner(), policy: createFifoPolicy(), rules, compression: 1 });
    expect(r.jobs.map((j) => j.unavoidableMs / 1000)).toEqual([0, 90, 80]);
    expect(r.jobs.map((j) => j.jobClass)).toEqual(["merge-request", "merge-request", "production-deploy"]);
  });

  it("divides run time by runner speed and squeezes arrivals by the compression factor", () => {
    const r = simulate({ trace, runners: oneRunner(1, 2), policy: createFifoPolicy(), rules, compression: 2 });
    // Arrivals at 0, 5, 10 s; A runs 50 s, B 25 s.
    expect(r.jobs.map((j) => j.startedAt! / 1000)).toEqual([0, 50, 75]);
    expect(r.runners[0]!.busyMs).toBe((50 + 25 + 5) * 1000);
  });

  it("lets fair scheduling serve the project with fewer running jobs first", () => {
    const t = [
      traceJob({ jobId: 1, project: "big", durationS: 100 }),
      traceJob({ jobId: 2, project: "big", createdAt: 1, durationS: 100 }),
      traceJob({ jobId: 3, project: "big", createdAt: 2, durationS: 10 }),
      traceJob({ jobId: 4, project: "small", createdAt: 3, durationS: 10 }),
    ];
    // Two slots: 1 (0–100 s) and 2 (1–101 s) start at once. At 100 s "big" still runs job 2 and
    // "small" nothing, so fair picks job 4 (wait 97 s); FIFO picks job 3 and job 4 waits for 101 s.
    expect(waitsOf(t, oneRunner(2), createFairPolicy()).get(4)).toBe(97);
    expect(waitsOf(t, oneRunner(2), createFifoPolicy()).get(4)).toBe(98);
  });

  it("never starts a job before its unavoidable wait nor overfills a runner, under every policy", () => {
    const rng = createRng(3);
    const t = Array.from({ length: 300 }, (_, i) => traceJob({
      jobId: i + 1, createdAt: Math.floor(rng() * 3000), pipelineId: Math.floor(i / 5), project: `p${i % 3}`,
      refClass: (["default", "merge_request", "other"] as const)[i % 3], durationS: Math.floor(rng() * 400),
      pool: i % 4 === 0 ? "mac" : "linux",
    }));
    const runners = [...oneRunner(3), { runnerId: "m1", pool: "mac", tags: ["mac"], limit: 1, speed: 0.5, cpus: 8 }];
    for (const f of standardPolicies()) {
      const r = simulate({ trace: t, runners, policy: f.create(), rules, compression: 1 });
      for (const j of r.jobs) {
        expect(j.startedAt, `${f.name} job ${j.jobId}`).not.toBeNull();
        expect(j.startedAt! - j.arrivedAt).toBeGreaterThanOrEqual(j.unavoidableMs - 1e-6);
      }
      for (const runner of runners) {
        const mine = r.jobs.filter((j) => j.runnerId === runner.runnerId);
        for (const j of mine) {
          const overlapping = mine.filter((o) => o.startedAt! <= j.startedAt! && o.finishedAt! > j.startedAt!).length;
          expect(overlapping, `${f.name} on ${runner.runnerId}`).toBeLessThanOrEqual(runner.limit);
        }
      }
    }
  });

  it("learns run times only from jobs that finished in the replay and puts the shorter merge request first", () => {
    // "long" (1000 s) and "short" (10 s) each run once (0–1010 s); at 1010 s both names are known.
    // Then at 1020 s a blocker occupies the slot until 1120 s; "long" (1030 s) and "short" (1040 s) wait.
    const t = [
      traceJob({ jobId: 1, name: "long", durationS: 1000, pipelineId: 1 }),
      traceJob({ jobId: 2, name: "short", durationS: 10, pipelineId: 2 }),
      traceJob({ jobId: 3, name: "blocker", createdAt: 1020, durationS: 100, pipelineId: 3 }),
      traceJob({ jobId: 4, name: "long", createdAt: 1030, durationS: 1000, pipelineId: 4 }),
      traceJob({ jobId: 5, name: "short", createdAt: 1040, durationS: 10, pipelineId: 5 }),
    ];
    const policy = createSwitchyardPolicy({ name: "sy", ...shippedSettings, headroom: null });
    const r = simulate({ trace: t, runners: oneRunner(), policy, rules, compression: 1 });
    const byId = new Map(r.jobs.map((j) => [j.jobId, j]));
    expect(byId.get(1)!.predictedRunS).toBeNull();
    expect(byId.get(2)!.predictedRunS).toBeNull();
    expect(byId.get(4)!.predictedRunS).toBe(1000);
    expect(byId.get(5)!.predictedRunS).toBe(10);
    expect(byId.get(5)!.startedAt! / 1000).toBe(1120);
    expect(byId.get(4)!.startedAt! / 1000).toBe(1130);
    // FIFO runs the long one first.
    expect(waitsOf(t, oneRunner(), createFifoPolicy()).get(5)).toBe(1080);
  });

  it("measures pipeline time-to-result from its first pending job to its last finished one", () => {
    const t = [traceJob({ jobId: 1, pipelineId: 7, durationS: 50 }), traceJob({ jobId: 2, pipelineId: 7, createdAt: 5, durationS: 20 })];
    const r = simulate({ trace: t, runners: oneRunner(), policy: createFifoPolicy(), rules, compression: 1 });
    expect(pipelineStats(r.jobs)).toEqual({ count: 1, mean: 70, p50: 70, p95: 70 });
  });

  it("tallies Switchyard's decision records: a close call between twin runners is one the LLM would break live", () => {
    const twins = [{ ...oneRunner()[0]!, runnerId: "r1" }, { ...oneRunner()[0]!, runnerId: "r2" }];
    const t = [traceJob({ jobId: 1 }), traceJob({ jobId: 2, createdAt: 1 })];
    const sy = simulate({ trace: t, runners: twins, policy: createSwitchyardPolicy({ name: "sy", ...shippedSettings, headroom: null }), rules, compression: 1 });
    // Job 1 finds both twins idle (a tie); job 2 only the one left, so it is no close call.
    expect(placementTally(sy.jobs)).toEqual({ placed: 2, byMode: { rule: 2 }, closeCalls: 1, notEnforced: 0 });
    expect(placementTally(simulate({ trace: t, runners: twins, policy: createFifoPolicy(), rules, compression: 1 }).jobs)).toBeNull();
  });
});
