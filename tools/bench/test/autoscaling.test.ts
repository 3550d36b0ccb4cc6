// The autoscaled replay runs the optimizer's own planner (planScaling from libs/decision) against a
// fleet whose machines take time to boot, and bills machine-hours; the goal compares cost/wait frontiers.
import { describe, expect, it } from "vitest";
import type { ScalingPolicy } from "@switchyard/decision";
import { runAutoscaleBench, type AutoscaleFleet, type FrontierPoint } from "../src/bench/autoscale-bench.js";
import { BASELINE_SWEEP, DELAY_SWEEP, SWITCHYARD_SWEEPS, cloudShape, standardSweeps } from "../src/bench/autoscale-sweeps.js";
import { bestPoint, costAtWait, judgeFrontier, lowerEnvelope, waitAtCost, type CostWait } from "../src/report/frontier-goal.js";
import { frontierSvg, paretoFront } from "../src/report/frontier-svg.js";
import { autoscaleTable } from "../src/report/table.js";
import { createClassPriorityPolicy } from "../src/policies/class-priority.js";
import { createFifoPolicy } from "../src/policies/fifo.js";
import { createSwitchyardPolicy } from "../src/policies/switchyard.js";
import { shippedSettings } from "../src/bench/policy-set.js";
import { machineHours, type AutoscalingInput } from "../src/sim/machine-scaler.js";
import { simulate } from "../src/sim/simulate.js";
import { oneRunner, rules, traceJob } from "./fixtures.js";

const policy: ScalingPolicy = { capacityPerMachine: 1, minMachines: 0, maxMachines: 4, maxUseCount: 0, idleCount: 0, idleTimeMs: 120_000, urgentWeight: 0, scaleOutDelayMs: 0 };
const scaled = (p: Partial<ScalingPolicy> = {}, bootMs = 30_000): AutoscalingInput => ({
  pools: { linux: { shape: { ...cloudShape, limit: 1 }, bootMs, policy: { ...policy, ...p } } }, intervalMs: 10_000,
});

describe("the autoscaled replay", () => {
  it("creates a machine for a pending job, which starts once the machine has booted, and bills creation to removal", () => {
    // One 60 s job at 0, one at 1000 s (after the first machine has idled out past idle_time).
    const trace = [traceJob({ jobId: 1, createdAt: 0, durationS: 60 }), traceJob({ jobId: 2, pipelineId: 2, createdAt: 1000, durationS: 60 })];
    const r = simulate({ trace, runners: [], policy: createFifoPolicy(), rules, compression: 1, autoscaling: scaled() });
    // Planned at 0 (the first tick), ready at 30 s; job 2 arrives at 1000 s, its machine is planned at that tick.
    expect(r.jobs.map((j) => [j.jobId, j.startedAt! / 1000])).toEqual([[1, 30], [2, 1030]]);
    expect(r.machines).toHaveLength(2);
    const [first, second] = r.machines;
    // The first ran 30..90 s, was idle 120 s, removed at the first tick past 210 s.
    expect(first).toMatchObject({ createdAt: 0, readyAt: 30_000, destroyedAt: 210_000, jobsRun: 1 });
    // The second is still up when the replay ends (its job's finish at 1090 s): billed until then.
    expect(second).toMatchObject({ createdAt: 1_000_000, destroyedAt: 1_090_000, jobsRun: 1 });
    expect(machineHours(r.machines)).toBeCloseTo((210 + 90) / 3600, 6);
  });

  it("keeps idle_count slots ready, so a job arriving later starts at once", () => {
    const trace = [traceJob({ jobId: 1, createdAt: 0, durationS: 60 }), traceJob({ jobId: 2, pipelineId: 2, createdAt: 200, durationS: 60 })];
    const r = simulate({ trace, runners: [], policy: createFifoPolicy(), rules, compression: 1, autoscaling: scaled({ idleCount: 1 }) });
    expect(r.jobs.map((j) => j.startedAt! / 1000)).toEqual([30, 200]);
    const none = simulate({ trace, runners: [], policy: createFifoPolicy(), rules, compression: 1, autoscaling: scaled({ idleTimeMs: 60_000 }) });
    expect(none.jobs.map((j) => j.startedAt! / 1000)).toEqual([30, 230]); // idled out at 150 s: job 2 waits for a boot
  });

  it("never runs more machines than maxMachines: the rest of a burst waits for a slot", () => {
    const trace = [1, 2, 3].map((id) => traceJob({ jobId: id, pipelineId: id, createdAt: 0, durationS: 100 }));
    const r = simulate({ trace, runners: [], policy: createFifoPolicy(), rules, compression: 1, autoscaling: scaled({ maxMachines: 2 }) });
    expect(r.machines).toHaveLength(2);
    expect(r.jobs.map((j) => j.startedAt! / 1000)).toEqual([30, 30, 130]);
  });

  it("keeps the warm reserve for urgent classes: a later lint job boots its own machine, a later deploy takes the reserved slot at once", () => {
    const deploy = { refClass: "default" as const, environment: "production", environmentTier: "production" as const };
    // A deploy at 0 starts the reserve; at 500 s (its machine idle, kept for the reserve) a merge request, at 800 s another deploy.
    const trace = [
      traceJob({ jobId: 1, createdAt: 0, durationS: 10, ...deploy }),
      traceJob({ jobId: 2, pipelineId: 2, createdAt: 500, durationS: 1000 }),
      traceJob({ jobId: 3, pipelineId: 3, createdAt: 800, durationS: 10, ...deploy }),
    ];
    const reserve = { minWeight: 100, maxSlots: 1, windowMs: 3_600_000, bootMs: 30_000, missProbability: 0.05 };
    const input: AutoscalingInput = { pools: { linux: { ...scaled().pools.linux!, reserve } }, intervalMs: 10_000 };
    const r = simulate({ trace, runners: [], policy: createSwitchyardPolicy({ name: "s", ...shippedSettings, headroom: null }), rules, compression: 1, autoscaling: input });
    const started = new Map(r.jobs.map((j) => [j.jobId, j.startedAt! / 1000]));
    expect(started.get(2)).toBeGreaterThan(500); // not on the reserved slot: waited for a boot
    expect(started.get(3)).toBe(800); // the reserve was there
    const without = simulate({ trace, runners: [], policy: createSwitchyardPolicy({ name: "s", ...shippedSettings, headroom: null }), rules, compression: 1, autoscaling: scaled() });
    expect(without.jobs.find((j) => j.jobId === 3)!.startedAt! / 1000).toBeGreaterThan(800);
  });

  it("lets a light class wait scaleOutDelay for a free slot before it asks for a machine; an urgent class asks at once", () => {
    // A fixed runner runs a 300 s merge-request job; a second MR job and a production deploy arrive at 10 s.
    const trace = [
      traceJob({ jobId: 1, createdAt: 0, durationS: 300 }),
      traceJob({ jobId: 2, pipelineId: 2, createdAt: 10, durationS: 10 }),
      traceJob({ jobId: 3, pipelineId: 3, createdAt: 10, durationS: 10, refClass: "default", environment: "production", environmentTier: "production" }),
    ];
    const replay = (p: Partial<ScalingPolicy>) => simulate({ trace, runners: oneRunner(), policy: createClassPriorityPolicy(), rules, compression: 1, autoscaling: scaled(p) });
    const delayed = replay({ urgentWeight: 40, scaleOutDelayMs: 600_000 });
    const started = new Map(delayed.jobs.map((j) => [j.jobId, j.startedAt! / 1000]));
    expect(started.get(3)).toBe(40); // its own machine: planned at the 10 s tick, booted 30 s later
    expect(started.get(2)).toBe(50); // no machine of its own: the deploy's, once the deploy finished
    expect(delayed.machines).toHaveLength(1);
    const eager = replay({});
    expect(eager.machines).toHaveLength(2);
    expect(eager.jobs.map((j) => j.startedAt! / 1000)).toEqual([0, 40, 40]);
  });
});

describe("the cost/wait frontier goal", () => {
  const base: CostWait[] = [
    { knob: "b0", machineHours: 100, topP95: 60 }, { knob: "b1", machineHours: 200, topP95: 20 }, { knob: "b2", machineHours: 300, topP95: 30 },
  ];

  it("reads the baseline's best wait at each cost, linear between points, and the cost of a wait", () => {
    const env = lowerEnvelope(base);
    expect(env.map((p) => p.topP95)).toEqual([60, 20, 20]); // spending more can always do as well as spending less
    expect(waitAtCost(env, 150)).toBe(40);
    expect(waitAtCost(env, 50)).toBeNull();
    expect(costAtWait(env, 40)).toBe(150);
    expect(costAtWait(env, 60)).toBe(100);
    expect(costAtWait(env, 10)).toBeNull();
  });

  it("meets the goal by equal cost (half the wait) or by equal wait (15% fewer machine-hours), and says which", () => {
    const both = judgeFrontier({ name: "base", points: base }, { name: "sy", points: [{ knob: "c", machineHours: 150, topP95: 20 }] }, "deploy");
    expect(both.map((l) => l.met)).toEqual([true, true, true]);
    expect(both[0]!.figure).toBe("×0.50 (c: 20 s vs 40 s at 150 h)");
    // Equal within 5 s: the baseline's 25 s costs 187.5 h.
    expect(both[1]!.figure).toBe("20% (c: 150 h vs 188 h for 20 s)");
    // An equal 30 s (up to 35 s) costs the baseline 162.5 h; at 130 h it would wait 48 s.
    const cheaperOnly = judgeFrontier({ name: "base", points: base }, { name: "sy", points: [{ knob: "c", machineHours: 130, topP95: 30 }] }, "deploy");
    expect(cheaperOnly.map((l) => l.met)).toEqual([false, true, true]);
    const neither = judgeFrontier({ name: "base", points: base }, { name: "sy", points: [{ knob: "c", machineHours: 160, topP95: 30 }] }, "deploy");
    expect(neither.map((l) => l.met)).toEqual([false, false, false]);
    const tie = judgeFrontier({ name: "base", points: [...base, { knob: "b3", machineHours: 400, topP95: 0 }] }, { name: "sy", points: [{ knob: "c", machineHours: 400, topP95: 0 }] }, "deploy");
    expect(tie[0]).toMatchObject({ met: false, figure: "×1.00 (c: 0 s vs 0 s at 400 h)" });
    const outside = judgeFrontier({ name: "base", points: base }, { name: "sy", points: [{ knob: "c", machineHours: 50, topP95: 5 }] }, "deploy");
    expect(outside.map((l) => l.met)).toEqual([null, null, null]);
  });
});

describe("choosing a knob on the tuning half", () => {
  it("prefers a point that meets the goal, then the lowest ratio at equal cost", () => {
    const base: CostWait[] = [{ knob: "b0", machineHours: 100, topP95: 60 }, { knob: "b1", machineHours: 200, topP95: 20 }];
    const points: CostWait[] = [
      { knob: "cheap", machineHours: 50, topP95: 90 }, // outside the baseline's range
      { knob: "close", machineHours: 150, topP95: 35 }, // ×0.875
      { knob: "half", machineHours: 180, topP95: 12 }, // ×0.43: meets
    ];
    expect(bestPoint(base, points)?.knob).toBe("half");
    expect(bestPoint(base, points.slice(0, 2))?.knob).toBe("close");
  });
});

describe("the autoscaling bench", () => {
  it("sweeps every line on the same trace and judges only the knob it is told to", () => {
    const trace = Array.from({ length: 40 }, (_, i) => traceJob({ jobId: i + 1, pipelineId: i + 1, createdAt: i * 20, durationS: 120 }));
    const fleet: AutoscaleFleet = { maxMachinesPerPool: { linux: 4 }, shape: cloudShape, bootSeconds: 30, intervalSeconds: 10, idleTimeSeconds: 120 };
    const run = runAutoscaleBench({
      trace, rules, compression: 1, fleet, sweeps: standardSweeps(), baseline: BASELINE_SWEEP, candidates: SWITCHYARD_SWEEPS, candidateKnob: `${DELAY_SWEEP}: delay 180 s`,
      topClass: "merge-request", sliSeconds: 300, progress: () => undefined,
    });
    expect(run.lines.map((l) => l.name)).toEqual(standardSweeps().map((s) => s.name));
    for (const line of run.lines) for (const p of line.points) expect(p.machineHours).toBeGreaterThan(0);
    expect(run.goal.at(-1)!.figure).toBe(SWITCHYARD_SWEEPS.join(" | "));
    const judged = run.goal.slice(0, 2).map((l) => l.figure).filter((f) => /\(/.test(f));
    for (const f of judged) expect(f).toContain(`${DELAY_SWEEP}: delay 180 s`);
    const svg = frontierSvg([{ name: "test", run }], "merge-request", "notice");
    expect(svg.match(/<polyline/g)).toHaveLength(2 * run.lines.length);
    expect(autoscaleTable("test", run, "merge-request")).toContain("idle_count 16");
  });

  it("draws each policy's line through its frontier only: a setting that costs more and waits longer is a hollow point, not joined", () => {
    const p = (knob: string, machineHours: number, topP95: number) => ({ knob, machineHours, topP95 }) as unknown as FrontierPoint;
    const points = [p("a", 100, 60), p("b", 150, 70), p("c", 200, 10), p("d", 200, 5), p("e", 300, 5)];
    expect(paretoFront(points, (x) => x.topP95).map((x) => x.knob)).toEqual(["a", "d"]);
  });
});
