import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@switchyard/runtime";
import { optimizerConfigSchema } from "../src/config.js";

describe("optimizer config", () => {
  it("leaves autoscaling off and learning on with bounded defaults", () => {
    const config = loadConfig(optimizerConfigSchema, { env: {} });
    expect(config.autoscaling.pools).toEqual([]);
    expect(config.learning).toMatchObject({ freezeWeights: false, maxStepPerInterval: 0.05 });
    expect(config.learning.weightBounds.speed).toEqual({ min: 0.1, max: 2 });
  });

  it("reads pools and an exec provisioner from JSON in the environment", () => {
    const config = loadConfig(optimizerConfigSchema, { env: {
      SWITCHYARD_AUTOSCALING: JSON.stringify({ provisioner: { kind: "exec", command: "./examples/provisioner.sh" }, pools: [{ pool: "linux", maxMachines: 3, policies: [{ periods: ["* 8-18 * * mon-fri"], idleCount: 2 }] }] }),
      SWITCHYARD_LEARNING: JSON.stringify({ freezeWeights: true }),
    } });
    expect(config.autoscaling.provisioner).toMatchObject({ kind: "exec", timeoutMs: 60_000 });
    expect(config.autoscaling.pools[0]).toMatchObject({ pool: "linux", maxMachines: 3, capacityPerMachine: 1 });
    expect(config.learning.freezeWeights).toBe(true);
  });

  it("reports every bad policy and bound at once", () => {
    let error: unknown;
    try {
      loadConfig(optimizerConfigSchema, { env: {
        SWITCHYARD_AUTOSCALING: JSON.stringify({ pools: [{ pool: "linux", policies: [{ periods: ["99 * * * *"] }] }], intervalMs: 5000, leaseTtlMs: 1000 }),
        SWITCHYARD_LEARNING: JSON.stringify({ weightBounds: { speed: { min: 2, max: 1 } } }),
      } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toMatch(/autoscaling\.pools\.0\.policies.*period "99 \* \* \* \*"/);
    expect(problems).toMatch(/learning\.weightBounds\.speed.*min must not exceed max/);
  });
});
