import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import type { JobOutcome } from "@switchyard/contracts";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createLogger, createMetrics, type Metrics } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { startSim, startTestAssigner, type RunningAssigner } from "../../../services/assigner/test/harness.js";
import { createOptimizer, type Optimizer } from "../../../services/optimizer/src/optimizer.js";

// Issue 10 item 9: a job Switchyard fails at the maximum hold never reached a runner, and was the
// longest wait of all; its outcome (JobOutcomeV2, runnerId null, end "max-hold") must reach the
// optimizer's queue-time SLI like any other.
let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner;
let optimizer: Optimizer;
let metrics: Metrics;

beforeAll(async () => {
  env = await createTestEnv("runnerless");
  sim = await startSim({});
  // No downstream runner: nothing can take the job, so it is held until the maximum hold (1 s).
  sy = await startTestAssigner(env, sim.url, 0, { SWITCHYARD_MAX_HOLD_SECONDS: "1", SWITCHYARD_SWEEP_INTERVAL_MS: "50" });
  metrics = createMetrics("optimizer");
  optimizer = createOptimizer({
    nc: env.nc, redis: env.redis, keys: env.keys, subjects: env.subjects, metrics, log: createLogger({ name: "opt", level: "silent" }),
    config: { jobQueuingDurations: [{ periods: ["* * * * * * *"], threshold: "1m", timezone: "UTC" }], classTargets: [], durableName: "optimizer", seenJobTtlSeconds: 600 },
  });
  await optimizer.start();
});
afterAll(async () => {
  await optimizer?.stop();
  await sy?.stop();
  await sim?.close();
  await (await jetstreamManager(env.nc)).streams.delete(env.subjects.outcomeStream).catch(() => undefined);
  await env?.close();
});

async function sliCount(jobClass: string): Promise<number> {
  const values = (await metrics.registry.getSingleMetric("switchyard_job_queue_duration_seconds")?.get())?.values ?? [];
  return values.find((v) => (v as { metricName?: string }).metricName === "switchyard_job_queue_duration_seconds_count" && v.labels.job_class === jobClass)?.value ?? 0;
}

describe("runner-less ends publish an outcome", () => {
  it("a held job past the maximum hold is failed upstream and its wait reaches the queue-time SLI", async () => {
    const outcomes = env.collect(env.subjects.jobOutcomeAll);
    const jobId = sim.enqueueJob({ name: "never placed", tags: ["linux"] });
    await waitFor(() => sim.job(jobId)?.status === "failed", { what: "job failed upstream at max hold", timeoutMs: 10_000 });
    expect(sim.job(jobId)).toMatchObject({ failureReason: "runner_system_failure" });
    await outcomes.waitForCount(1, 10_000);
    const [outcome] = outcomes.json<JobOutcome>();
    expect(outcome).toMatchObject({ v: 2, jobId, runnerId: null, phase: "finished", status: "failed", failureReason: "runner_system_failure", end: "max-hold", runSeconds: null });
    expect(outcome!.queueSeconds).toBeGreaterThanOrEqual(1);
    const jobClass = outcome!.jobClass ?? "unclassified";
    await waitFor(async () => (await sliCount(jobClass)) === 1, { what: "the given-up job counted in the SLI", timeoutMs: 10_000 });
    expect(await env.redis.hget(env.keys.sliSummary("linux", jobClass), "jobs")).toBe("1");
    // Forgotten everywhere: nothing left held for the job.
    expect(await env.redis.hexists(env.keys.jobMeta, String(jobId))).toBe(0);
  });
});
