import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { AssignerSettingsV1 } from "@switchyard/contracts";
import { startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner | undefined;

beforeEach(async () => {
  env = await createTestEnv("settingsrec");
  sim = await startSim();
});
afterEach(async () => {
  await sy?.stop();
  sy = undefined;
  await sim.close();
  await env.close();
});

describe("the assigner's recorded settings", () => {
  it("records its pools, its rules' job classes and its public URL at start, for the CLI to validate against", async () => {
    sy = await startTestAssigner(env, sim.url, 2, { SWITCHYARD_PUBLIC_URL: "https://broker.internal:8443" });
    const record = AssignerSettingsV1.parse(JSON.parse((await env.redis.get(env.keys.assignerSettings))!));
    expect(record.pools).toEqual(["linux"]);
    expect(record.jobClasses).toEqual(expect.arrayContaining(["production-deploy", "merge-request"]));
    expect(new Set(record.jobClasses).size).toBe(record.jobClasses.length);
    expect(record.publicUrl).toBe("https://broker.internal:8443");
  });
});
