import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultQueueOrderConfig } from "@switchyard/decision";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createDurationEstimates } from "../src/deciding/duration-estimates.js";
import { createJobClassifier } from "../src/deciding/job-classifier.js";
import type { HeldJobMeta } from "../src/queue/dispatch-queue.js";

const log = createLogger({ name: "duration-estimates-test", level: "silent" });

describe("the assigner's queue order reads the run times the optimizer stored (real Redis)", () => {
  let env: TestEnv;
  beforeAll(async () => { env = await createTestEnv("assigner-durations"); });
  afterAll(async () => { await env.close(); });

  it("knows nothing before the optimizer stored anything, then its figures; an invalid value keeps the last good one", async () => {
    const estimates = createDurationEstimates({ redis: env.redis, key: env.keys.durations, refreshMs: 3_600_000, log });
    await estimates.refresh();
    expect(estimates.expected(7, "unit")).toBeNull();
    await env.redis.set(env.keys.durations, JSON.stringify({ v: 1, version: 3, estimates: { "7:unit": { expectedSeconds: 90, samples: 4 } }, at: 1 }));
    await estimates.refresh();
    expect(estimates.expected(7, "unit")).toBe(90);
    expect(estimates.expected(8, "unit")).toBeNull();
    await env.redis.set(env.keys.durations, JSON.stringify({ v: 1, version: 4, estimates: { "7:unit": { expectedSeconds: -1 } }, at: 1 }));
    await estimates.refresh();
    expect(estimates.expected(7, "unit")).toBe(90);
  });

  it("puts the merge request expected to be short ahead of the long one that arrived with it", () => {
    const learned: Record<string, number> = { "1:lint": 60, "1:integration": 2_400 };
    const classifier = createJobClassifier(undefined, defaultQueueOrderConfig, () => ({}), (p, name) => learned[`${p}:${name}`] ?? null);
    const meta = (jobId: number, name: string): HeldJobMeta => {
      const m = {
        jobId, pool: "linux", projectId: 1, pipelineId: 1, jobClass: "merge-request", weight: 30, tier: "autonomous",
        environment: null, environmentTier: null, environmentAction: null, isDeploy: false, name, stage: "test", ref: null,
        protectedRef: false, pipelineSource: "merge_request_event", projectPath: "g/p", timeoutSeconds: null, arrivedAt: 1_000_000,
        fifoSeq: jobId, queueKey: 0, gitlabQueueSeconds: 0, projectJobsRunning: null,
      } satisfies HeldJobMeta;
      const withExpected: HeldJobMeta = { ...m, expectedDurationS: classifier.expectedDuration(m) };
      return { ...withExpected, queueKey: classifier.queueKey(withExpected) };
    };
    const long = meta(1, "integration");
    const short = meta(2, "lint");
    expect(long.expectedDurationS).toBe(2_400);
    expect(short.queueKey).toBeLessThan(long.queueKey);
    const ctx = { now: 1_000_000, runningByProject: new Map(), highClassUsedByProject: new Map() };
    expect(classifier.pickNext([long, short], ctx)).toBe(short);
  });
});
