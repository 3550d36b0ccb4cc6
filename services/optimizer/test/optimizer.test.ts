import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream } from "@nats-io/jetstream";
import type { JobOutcomeV1 as JobOutcome } from "@switchyard/contracts";
import { createLogger, createMetrics, type Metrics } from "@switchyard/runtime";
import { waitFor, type TestEnv } from "@switchyard/testing";
import { createOptimizer, type Optimizer } from "../src/optimizer.js";
import { ensureOutcomeStream } from "../src/outcome-stream.js";
import { closeOutcomeTestEnv, consumerIdle, outcomeTestEnv } from "./outcome-env.js";

const log = createLogger({ name: "optimizer-test", level: "silent" });

const config = {
  jobQueuingDurations: [{ periods: ["* * * * * * *"], threshold: "1m", timezone: "UTC" }],
  classTargets: [{ jobClass: "production-deploy", thresholdSeconds: 30, objective: 0.95 }],
  durableName: "optimizer",
  seenJobTtlSeconds: 600,
};

/** A v1 outcome, as an assigner not yet upgraded publishes it: the optimizer reads it as v2. */
function outcome(jobId: number, jobClass: string, queueSeconds: number, phase: JobOutcome["phase"] = "started"): JobOutcome {
  return {
    v: 1, jobId, pool: "linux", runnerId: "r1", phase, status: phase === "started" ? "running" : "success",
    failureReason: null, jobClass, decisionId: null, projectId: 7, queueSeconds, holdSeconds: 1,
    runSeconds: phase === "started" ? null : 12, at: Date.now(),
  } as JobOutcome;
}

async function metricValues(metrics: Metrics, name: string) {
  const metric = metrics.registry.getSingleMetric(name);
  return metric ? (await metric.get()).values : [];
}

async function histogramCount(metrics: Metrics, jobClass: string): Promise<number> {
  const values = await metricValues(metrics, "switchyard_job_queue_duration_seconds");
  return values.find((v) => (v as { metricName?: string }).metricName === "switchyard_job_queue_duration_seconds_count" && v.labels.job_class === jobClass)?.value ?? 0;
}

async function exceededCount(metrics: Metrics, jobClass: string): Promise<number> {
  const values = await metricValues(metrics, "switchyard_acceptable_job_queuing_duration_exceeded_total");
  return values.find((v) => v.labels.job_class === jobClass)?.value ?? 0;
}

describe("optimizer (real NATS JetStream and Redis)", () => {
  let env: TestEnv;
  const running: Optimizer[] = [];

  async function startOptimizer(): Promise<{ optimizer: Optimizer; metrics: Metrics }> {
    const metrics = createMetrics("optimizer");
    const optimizer = createOptimizer({ nc: env.nc, redis: env.redis, keys: env.keys, subjects: env.subjects, metrics, log, config });
    running.push(optimizer);
    await optimizer.start();
    return { optimizer, metrics };
  }

  async function publish(o: JobOutcome): Promise<void> {
    await jetstream(env.nc).publish(env.subjects.jobOutcome(o.pool), JSON.stringify(o), { msgID: `${o.jobId}:${o.phase}` });
  }

  const idle = () => consumerIdle(env, config.durableName);

  beforeAll(async () => { env = await outcomeTestEnv("optimizer"); });
  afterAll(() => closeOutcomeTestEnv(env, running));

  it("creates the outcome stream idempotently", async () => {
    const again = await ensureOutcomeStream(env.nc, env.subjects);
    expect(again.config.subjects).toEqual([env.subjects.jobOutcomeAll]);
  });

  it("observes each job's queue time once, counts threshold excess, and resumes after a restart without double counting", async () => {
    const first = await startOptimizer();
    await publish(outcome(1, "production-deploy", 5));
    await publish(outcome(2, "production-deploy", 45));
    await publish(outcome(3, "lint", 200));
    await publish(outcome(1, "production-deploy", 5, "finished")); // same job: not observed again

    await waitFor(async () => (await histogramCount(first.metrics, "production-deploy")) === 2 && (await histogramCount(first.metrics, "lint")) === 1, { what: "first outcomes observed" });
    await waitFor(idle, { what: "first batch acknowledged" });
    expect(await histogramCount(first.metrics, "production-deploy")).toBe(2);
    expect(await exceededCount(first.metrics, "lint")).toBe(1);
    expect(await exceededCount(first.metrics, "production-deploy")).toBe(0);
    // production-deploy: 1 of 2 jobs over its 30 s target, budget 5% → burn rate 10 in both windows.
    const burn = await metricValues(first.metrics, "switchyard_sli_burn_rate");
    expect(burn.find((v) => v.labels.window === "5m" && v.labels.job_class === "production-deploy")?.value).toBeCloseTo(10, 6);
    expect(burn.find((v) => v.labels.window === "1h" && v.labels.job_class === "production-deploy")?.value).toBeCloseTo(10, 6);

    await first.optimizer.stop();
    await publish(outcome(4, "lint", 30));
    await publish(outcome(5, "lint", 90));
    await publish(outcome(3, "lint", 200, "finished"));

    const second = await startOptimizer();
    await waitFor(async () => (await histogramCount(second.metrics, "lint")) >= 2, { what: "outcomes published while down" });
    await waitFor(idle, { what: "second batch acknowledged" });
    expect(await histogramCount(second.metrics, "lint")).toBe(2);
    expect(await histogramCount(second.metrics, "production-deploy")).toBe(0);
    expect(await exceededCount(second.metrics, "lint")).toBe(1);

    const lint = await env.redis.hgetall(env.keys.sliSummary("linux", "lint"));
    expect(lint).toMatchObject({ jobs: "3", exceeded: "2", overTarget: "0", "le:300": "1", "le:30": "1", "le:120": "1" });
    expect(Number(lint.queueSecondsSum)).toBe(320);
    const deploy = await env.redis.hgetall(env.keys.sliSummary("linux", "production-deploy"));
    expect(deploy).toMatchObject({ jobs: "2", exceeded: "0", overTarget: "1" });
    const index = (await env.redis.smembers(env.keys.sliSummaryIndex)).map((m) => JSON.parse(m) as unknown);
    expect(index).toEqual(expect.arrayContaining([{ pool: "linux", jobClass: "lint" }, { pool: "linux", jobClass: "production-deploy" }]));
  });

  it("does not count a redelivered outcome a second time", async () => {
    const { optimizer, metrics } = await startOptimizer();
    const o = { ...outcome(100, "mr", 10), v: 2 as const, end: null };
    await expect(optimizer.observer.observe(o)).resolves.toMatchObject({ counted: true });
    await expect(optimizer.observer.observe(o)).resolves.toEqual({ counted: false });
    expect(await histogramCount(metrics, "mr")).toBe(1);
  });
});
