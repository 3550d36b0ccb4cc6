import { describe, expect, it } from "vitest";
import { planScaling, type PlannedMachine, type PoolScalingState, type ScalingPolicy } from "../../src/capacity/plan-scaling.js";

const NOW = Date.UTC(2025, 0, 6, 12, 0, 0); // a Monday, 12:00 UTC
const policy: ScalingPolicy = { capacityPerMachine: 2, minMachines: 0, maxMachines: 5, maxUseCount: 0, idleCount: 0, idleTimeMs: 60_000, urgentWeight: 0, scaleOutDelayMs: 0 };

const idle = (id: string, idleForMs: number, extra: Partial<PlannedMachine> = {}): PlannedMachine =>
  ({ id, state: "running", running: 0, jobsRun: 0, idleSince: NOW - idleForMs, ...extra });
const busy = (id: string, running: number, extra: Partial<PlannedMachine> = {}): PlannedMachine =>
  ({ id, state: "running", running, jobsRun: 0, idleSince: null, ...extra });
const state = (machines: PlannedMachine[], backlog: [string, number, number][] = [], staticFreeSlots = 0): PoolScalingState =>
  ({ machines, backlog: backlog.map(([jobClass, weight, waiting]) => ({ jobClass, weight, waiting })), staticFreeSlots });

describe("planScaling", () => {
  it.each([
    ["creates enough machines for the backlog", state([], [["lint", 10, 3]]), policy, 2, []],
    ["counts free slots of live machines and the fixed fleet", state([busy("a", 1)], [["lint", 10, 3]], 1), policy, 1, []],
    ["counts creating machines as capacity", state([{ ...idle("a", 0), state: "creating", idleSince: null }], [["lint", 10, 2]]), policy, 0, []],
    ["keeps idle_count free slots", state([busy("a", 2)]), { ...policy, idleCount: 3 }, 2, []],
    ["never exceeds max machines", state([busy("a", 2)], [["lint", 10, 50]]), policy, 4, []],
    ["keeps min machines", state([]), { ...policy, minMachines: 2 }, 2, []],
    ["removes a machine idle past idle_time", state([busy("a", 1), idle("b", 61_000)]), policy, 0, ["b"]],
    ["keeps a machine idle for less than idle_time", state([idle("b", 59_000)]), policy, 0, []],
    ["keeps idle machines needed for idle_count", state([idle("a", 120_000), idle("b", 90_000)]), { ...policy, idleCount: 2 }, 0, ["a"]],
    ["scales in oldest idle first and not below min", state([idle("a", 90_000), idle("b", 120_000)]), { ...policy, minMachines: 1 }, 0, ["b"]],
    ["never removes a busy machine", state([busy("a", 1), busy("b", 2)]), policy, 0, []],
    ["recycles an idle machine past max_use_count and replaces it when needed", state([idle("a", 0, { jobsRun: 5 })], [["lint", 10, 1]]), { ...policy, maxUseCount: 5 }, 1, ["a"]],
    ["lets a worn machine finish its jobs", state([busy("a", 1, { jobsRun: 9 })]), { ...policy, maxUseCount: 5 }, 0, []],
    ["does not scale in while the backlog needs the slots", state([idle("a", 600_000)], [["lint", 10, 2]]), policy, 0, []],
  ] as const)("%s", (_name, s, p, create, destroy) => {
    const plan = planScaling(s, p, NOW);
    expect(plan.create).toBe(create);
    expect(plan.destroy).toEqual(destroy);
    expect(plan.reasons.length > 0).toBe(create > 0 || destroy.length > 0);
  });

  it("serves the highest-weight class first when max machines caps the growth", () => {
    const plan = planScaling(state([], [["lint", 10, 6], ["production-deploy", 100, 3]]), { ...policy, maxMachines: 2 }, NOW);
    expect(plan.create).toBe(2);
    expect(plan.reasons).toEqual([
      "scale out for production-deploy (weight 100): 3/3 waiting jobs covered",
      "scale out for lint (weight 10): 1/6 waiting jobs covered",
      "capped at max 2 machines: 3 more wanted",
    ]);
  });

  describe("with a scale-out delay for light classes", () => {
    const delayed: ScalingPolicy = { ...policy, urgentWeight: 30, scaleOutDelayMs: 300_000 };
    const backlog = (deployAges: number[], lintAges: number[]): PoolScalingState => ({
      machines: [], staticFreeSlots: 0,
      backlog: [
        { jobClass: "production-deploy", weight: 100, waiting: deployAges.length, arrivedAt: deployAges.map((a) => NOW - a) },
        { jobClass: "lint", weight: 10, waiting: lintAges.length, arrivedAt: lintAges.map((a) => NOW - a) },
      ].filter((b) => b.waiting > 0),
    });

    it("scales out at once for an urgent class and not for a light class that has not waited the delay", () => {
      const plan = planScaling(backlog([1_000], [1_000, 2_000, 3_000]), delayed, NOW);
      expect(plan.create).toBe(1); // the deploy's slot; the three lint jobs wait for free capacity
      expect(plan.reasons).toContain("defer 3 lint jobs (weight 10 < 30) until they wait 300 s");
    });

    it("counts a light class's jobs once they waited the delay", () => {
      const plan = planScaling(backlog([], [400_000, 350_000, 1_000]), delayed, NOW);
      expect(plan.create).toBe(1); // two jobs past 300 s need one machine of two slots
      expect(plan.reasons).toContain("defer 1 lint jobs (weight 10 < 30) until they wait 300 s");
    });

    it("scales for every job when the delay is off, as gitlab-runner's autoscaler does", () => {
      expect(planScaling(backlog([1_000], [1_000, 2_000, 3_000]), policy, NOW).create).toBe(2);
    });

    it("keeps idle machines while light jobs still wait, even deferred ones", () => {
      const state = { ...backlog([], [1_000]), machines: [idle("a", 120_000)] };
      expect(planScaling(state, delayed, NOW).destroy).toEqual([]);
    });
  });
});
