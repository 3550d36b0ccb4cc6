import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { createLogger, createRecordReader } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createCapacityMetrics } from "../src/capacity/capacity-metrics.js";
import { readPoolSnapshots } from "../src/capacity/pool-snapshot.js";

const log = createLogger({ name: "capacity-metrics-test", level: "silent" });
const known = { pools: ["linux", "gpu"], autoscaledPools: [], jobClasses: ["production-deploy", "default"] };

/** One sample's value from the exposition text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("pool capacity gauges without autoscaling (real Redis)", () => {
  let env: TestEnv;
  beforeAll(async () => { env = await createTestEnv("capmetrics"); });
  afterAll(async () => { await env.close(); });

  it("reports every configured pool and every pool a runner state names, read from Redis at scrape time", async () => {
    const now = Date.now();
    await env.redis.hset(env.keys.runners,
      "r-1", JSON.stringify({ runnerId: "r-1", pool: "linux", running: 2, limit: 4, draining: false }),
      "r-2", JSON.stringify({ runnerId: "r-2", pool: "windows", running: 0, limit: 0, draining: false }));
    await env.redis.zadd(env.keys.queue("linux"), 1, "101");
    await env.redis.hset(env.keys.jobMeta, "101", JSON.stringify({ jobClass: "default", weight: 20, arrivedAt: now - 30_000 }));
    const registry = new Registry();
    createCapacityMetrics({ registry, log, known, readPools: () => readPoolSnapshots(env.redis, env.keys, createRecordReader(), known.pools, now) });
    const text = await registry.metrics();
    expect(sample(text, 'switchyard_pool_jobs_running{pool="linux"}')).toBe(2);
    expect(sample(text, 'switchyard_pool_job_limit{pool="linux"}')).toBe(4);
    expect(sample(text, 'switchyard_pool_oldest_wait_seconds{pool="linux"}')).toBe(30);
    expect(sample(text, 'switchyard_pool_queue_depth{pool="linux",job_class="default"}')).toBe(1);
    expect(sample(text, 'switchyard_pool_queue_depth{pool="linux",job_class="production-deploy"}')).toBe(0);
    // A configured pool with no runner yet is an empty pool, not missing data.
    expect(sample(text, 'switchyard_pool_job_limit{pool="gpu"}')).toBe(0);
    expect(sample(text, 'switchyard_pool_machines{pool="gpu"}')).toBe(0);
    // A pool only the monitor knows; one unlimited runner makes its limit -1.
    expect(sample(text, 'switchyard_pool_job_limit{pool="windows"}')).toBe(-1);
  });

  it("exists before the first read answers, and keeps the last values when Redis fails, so /metrics still answers", async () => {
    const registry = new Registry();
    let fail = false;
    const snapshot = { pool: "linux", runners: [], jobsRunning: 3, jobLimit: 6, backlog: [], oldestWaitSeconds: 0, at: 0 };
    createCapacityMetrics({ registry, log, known, readPools: async () => { if (fail) throw new Error("redis down"); return [snapshot]; } });
    expect(sample(await registry.metrics(), 'switchyard_pool_jobs_running{pool="linux"}')).toBe(3);
    fail = true;
    const text = await registry.metrics();
    expect(sample(text, 'switchyard_pool_jobs_running{pool="linux"}')).toBe(3);
    expect(sample(text, 'switchyard_pool_jobs_running{pool="gpu"}')).toBe(0);
  });

  it("reads Redis once per scrape for all four gauges", async () => {
    const registry = new Registry();
    let reads = 0;
    createCapacityMetrics({ registry, log, known, readPools: async () => { reads += 1; return []; } });
    await registry.metrics();
    expect(reads).toBe(1);
    await registry.metrics();
    expect(reads).toBe(2);
  });

  it("answers the scrape within its budget when Redis hangs", async () => {
    const registry = new Registry();
    createCapacityMetrics({ registry, log, known, readBudgetMs: 50, readPools: () => new Promise(() => undefined) });
    const started = Date.now();
    const text = await registry.metrics();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sample(text, 'switchyard_pool_job_limit{pool="linux"}')).toBe(0);
  });
});
