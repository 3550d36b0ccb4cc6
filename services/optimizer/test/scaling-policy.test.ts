import { describe, expect, it } from "vitest";
import { HIGH_CLASS_RETENTION_MS } from "@switchyard/contracts";
import { defaultWarmReserveConfig } from "@switchyard/decision";
import { compilePoolScaling, poolScalingSchema } from "../src/capacity/scaling-policy.js";

const NOW = Date.UTC(2025, 0, 6, 12, 0, 0); // a Monday, 12:00 UTC

describe("pool policies", () => {
  const pool = compilePoolScaling(poolScalingSchema.parse({
    pool: "linux", capacityPerMachine: 1, maxMachines: 4,
    policies: [
      { periods: ["* * * * *"], timezone: "UTC", idleCount: 0, idleTime: "20m" },
      { periods: ["* 8-17 * * mon-fri"], timezone: "UTC", idleCount: 3, idleTime: "5m" },
      { periods: ["* 12 * * *"], timezone: "UTC", idleCount: 1, idleTime: "1m30s" },
    ],
  }));

  it.each([
    ["the last matching policy wins", NOW, 1, 90_000],
    ["working hours outside the lunch hour", Date.UTC(2025, 0, 6, 9, 30), 3, 300_000],
    ["the catch-all at night", Date.UTC(2025, 0, 6, 22, 0), 0, 1_200_000],
    ["the catch-all on weekends", Date.UTC(2025, 0, 4, 9, 30), 0, 1_200_000],
  ] as const)("applies %s", (_name, at, idleCount, idleTimeMs) => {
    expect(pool.policyAt(at)).toMatchObject({ idleCount, idleTimeMs, maxMachines: 4, capacityPerMachine: 1 });
  });

  it("rejects a bad period when compiled", () => {
    expect(() => compilePoolScaling(poolScalingSchema.parse({ pool: "x", policies: [{ periods: ["nope"], timezone: "UTC" }] }))).toThrow(/period "nope"/);
  });

  it("gives each pool libs/decision's warm reserve by default, and none when it is turned off", () => {
    expect(compilePoolScaling(poolScalingSchema.parse({ pool: "x" })).warmReserve).toEqual(defaultWarmReserveConfig);
    expect(compilePoolScaling(poolScalingSchema.parse({ pool: "x", warmReserve: { enabled: false } })).warmReserve).toBeNull();
    expect(compilePoolScaling(poolScalingSchema.parse({ pool: "x", warmReserve: { maxSlots: 0 } })).warmReserve).toBeNull();
    expect(compilePoolScaling(poolScalingSchema.parse({ pool: "x", warmReserve: { missProbability: 0.2, windowMs: 3_600_000 } })).warmReserve)
      .toEqual({ ...defaultWarmReserveConfig, missProbability: 0.2, windowMs: 3_600_000 });
  });

  it("refuses a reserve window longer than the assigner keeps urgent starts", () => {
    expect(poolScalingSchema.safeParse({ pool: "x", warmReserve: { windowMs: HIGH_CLASS_RETENTION_MS + 1 } }).success).toBe(false);
  });
});

