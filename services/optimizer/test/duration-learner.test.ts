import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contracts, decode } from "@switchyard/contracts";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createDurationLearner, durationLearningSchema } from "../src/learning/duration-learner.js";
import { finished } from "./learning-fixtures.js";

const log = createLogger({ name: "duration-learner-test", level: "silent" });

describe("the optimizer's run-time learning (real Redis)", () => {
  let env: TestEnv;
  beforeAll(async () => { env = await createTestEnv("durations"); });
  afterAll(async () => { await env.close(); });

  const learner = () => createDurationLearner({
    redis: env.redis, keys: env.keys, config: durationLearningSchema.parse({ storeIntervalMs: 3_600_000 }), log, now: () => 1_000,
  });

  it("learns from finished outcomes with a name and stores them as DurationEstimatesV1 for the assigner", async () => {
    const l = learner();
    await l.start();
    expect(await l.store()).toBe(false); // nothing learned yet: nothing written
    l.observeOutcome({ ...finished(1, "r1", 100), jobName: "build" });
    l.observeOutcome({ ...finished(2, "r1", 400), jobName: "build" });
    l.observeOutcome({ ...finished(3, "r1", 50) }); // no name: cannot be attributed
    l.observeOutcome({ ...finished(4, "r1", 50), phase: "started", runSeconds: null, jobName: "lint" });
    expect(await l.store()).toBe(true);
    const stored = decode(contracts.durationEstimates, (await env.redis.get(env.keys.durations))!);
    expect(Object.keys(stored.estimates)).toEqual(["1:build"]);
    expect(stored.estimates["1:build"]!.expectedSeconds).toBeCloseTo(200, 6);
    expect(stored.estimates["1:build"]!.samples).toBe(2);
    await l.stop();
  });

  it("starts from what a previous optimizer stored, keeping its version moving up", async () => {
    const before = decode(contracts.durationEstimates, (await env.redis.get(env.keys.durations))!);
    const l = learner();
    await l.start();
    expect(l.book.expected("1:build")).toBeCloseTo(200, 6);
    l.observeOutcome({ ...finished(5, "r1", 200), jobName: "build" });
    await l.stop();
    const after = decode(contracts.durationEstimates, (await env.redis.get(env.keys.durations))!);
    expect(after.version).toBe(before.version + 1);
    expect(after.estimates["1:build"]!.samples).toBe(3);
  });
});
