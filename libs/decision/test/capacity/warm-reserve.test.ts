import { describe, expect, it } from "vitest";
import { planScaling, type PoolScalingState, type ScalingPolicy } from "../../src/capacity/plan-scaling.js";
import { defaultWarmReserveConfig, mayTakeSlot, warmReserveSlots, type WarmReserveConfig } from "../../src/capacity/warm-reserve.js";

const NOW = Date.UTC(2025, 0, 6, 12, 0, 0);
const HOUR = 3_600_000;
const cfg: WarmReserveConfig = { minWeight: 100, maxSlots: 8, windowMs: 24 * HOUR, bootMs: 60_000, missProbability: 0.05 };
/** `n` urgent starts spread evenly over the last `spanMs`. */
const starts = (n: number, spanMs = 24 * HOUR) => Array.from({ length: n }, (_, i) => NOW - (spanMs * (i + 0.5)) / n);

describe("warmReserveSlots", () => {
  it("holds nothing while no urgent job started within the window, or when turned off", () => {
    expect(warmReserveSlots([], NOW, cfg)).toBe(0);
    expect(warmReserveSlots([NOW - 25 * HOUR, NOW - 48 * HOUR], NOW, cfg)).toBe(0);
    expect(warmReserveSlots(starts(10), NOW, { ...cfg, maxSlots: 0 })).toBe(0);
    // A start stamped after `now` (another clock) is not evidence of demand.
    expect(warmReserveSlots([NOW + 1000], NOW, cfg)).toBe(0);
  });

  it("holds one slot for a rare urgent class: the first arrival is covered", () => {
    expect(warmReserveSlots([NOW - HOUR], NOW, cfg)).toBe(1);
    expect(warmReserveSlots(starts(5), NOW, cfg)).toBe(1);
  });

  it("covers the urgent arrivals expected during one boot when they are frequent", () => {
    // 2,880 a day = 2 per minute: about 2 arrive during a 60 s boot, so one slot would miss most of the time.
    const busy = warmReserveSlots(starts(2880), NOW, cfg);
    expect(busy).toBeGreaterThan(2);
    expect(busy).toBeLessThanOrEqual(cfg.maxSlots);
  });

  it("never shrinks when more urgent jobs started or the boot is longer, and never passes maxSlots", () => {
    let previous = 0;
    for (const n of [0, 1, 10, 100, 1000, 3000, 10_000]) {
      const slots = warmReserveSlots(starts(n), NOW, cfg);
      expect(slots).toBeGreaterThanOrEqual(previous);
      expect(slots).toBeLessThanOrEqual(cfg.maxSlots);
      previous = slots;
    }
    let byBoot = 0;
    for (const bootMs of [10_000, 60_000, 300_000, 900_000]) {
      const slots = warmReserveSlots(starts(500), NOW, { ...cfg, bootMs });
      expect(slots).toBeGreaterThanOrEqual(byBoot);
      byBoot = slots;
    }
    expect(byBoot).toBeGreaterThan(1);
    expect(warmReserveSlots(starts(10_000), NOW, { ...cfg, maxSlots: 2 })).toBe(2);
  });

  it("holds more slots when fewer misses are accepted", () => {
    const loose = warmReserveSlots(starts(1000), NOW, { ...cfg, missProbability: 0.3 });
    const strict = warmReserveSlots(starts(1000), NOW, { ...cfg, missProbability: 0.001 });
    expect(strict).toBeGreaterThan(loose);
  });

  it("ships on for production deploys only, with a small cap", () => {
    expect(defaultWarmReserveConfig.minWeight).toBe(100);
    expect(defaultWarmReserveConfig.maxSlots).toBeGreaterThan(0);
    expect(warmReserveSlots([NOW - HOUR], NOW, defaultWarmReserveConfig)).toBe(1);
  });
});

describe("mayTakeSlot", () => {
  it("keeps a non-urgent job off the reserved slots and lets an urgent one take them", () => {
    expect(mayTakeSlot(20, 1, 1, 100)).toBe(false);
    expect(mayTakeSlot(100, 1, 1, 100)).toBe(true);
    expect(mayTakeSlot(20, 2, 1, 100)).toBe(true); // a slot beyond the reserve is anyone's
    expect(mayTakeSlot(20, 3, 0, 100)).toBe(true);
    expect(mayTakeSlot(100, 0, 1, 100)).toBe(false); // nothing free: nobody
  });
});

describe("planScaling with a warm reserve", () => {
  const policy: ScalingPolicy = { capacityPerMachine: 2, minMachines: 0, maxMachines: 5, maxUseCount: 0, idleCount: 0, idleTimeMs: 60_000, urgentWeight: 0, scaleOutDelayMs: 0 };
  const state = (s: Partial<PoolScalingState>): PoolScalingState => ({ machines: [], backlog: [], staticFreeSlots: 0, ...s });

  it("creates a machine for the reserve on an empty pool with no backlog", () => {
    const plan = planScaling(state({ reservedSlots: 1 }), policy, NOW);
    expect(plan.create).toBe(1);
    expect(plan.reasons.some((r) => r.includes("reserved for urgent classes"))).toBe(true);
  });

  it("does not count reserved free slots as room for the backlog", () => {
    // One machine with both slots free, one of them reserved: three waiting lint jobs can use only one.
    const machines = [{ id: "a", state: "running" as const, running: 0, jobsRun: 0, idleSince: NOW }];
    const backlog = [{ jobClass: "lint", weight: 10, waiting: 3 }];
    expect(planScaling(state({ machines, backlog }), policy, NOW).create).toBe(1); // 3 − 2 = 1 slot short
    expect(planScaling(state({ machines, backlog, reservedSlots: 1 }), policy, NOW).create).toBe(1); // 3 + 1 − 2 = 2 short: one machine
    expect(planScaling(state({ machines, backlog, reservedSlots: 2 }), policy, NOW).create).toBe(2); // 3 + 2 − 2 = 3 short: two
  });

  it("keeps an idle machine past idle_time while it holds the reserve, and removes it once the reserve is gone", () => {
    const machines = [{ id: "a", state: "running" as const, running: 0, jobsRun: 0, idleSince: NOW - 3_600_000 }];
    expect(planScaling(state({ machines, reservedSlots: 1 }), policy, NOW).destroy).toEqual([]);
    expect(planScaling(state({ machines, reservedSlots: 0 }), policy, NOW).destroy).toEqual(["a"]);
  });
});
