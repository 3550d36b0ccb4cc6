import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { contracts, decode, type JobOutcome } from "@switchyard/contracts";
import { createLogger, createMetrics } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { createOptimizer, type Optimizer } from "../src/optimizer.js";
import { Registry } from "prom-client";
import { createShadowFifoTracker, shadowFifoSchema } from "../src/shadow/shadow-fifo-tracker.js";

const log = createLogger({ name: "shadow-fifo-test", level: "silent" });
const BASE = Date.UTC(2026, 0, 1);
const S = 1000;

/** A job that became pending at `pendingS`, waited `waitS` under Switchyard and ran `runS` on the pool's one slot. */
function ran(jobId: number, jobClass: string, pendingS: number, waitS: number, runS: number): JobOutcome {
  return {
    v: 2, jobId, pool: "linux", runnerId: "r1", phase: "finished", status: "success", failureReason: null, end: "runner", jobClass,
    decisionId: null, projectId: 1, queueSeconds: waitS, holdSeconds: waitS, runSeconds: runS, at: BASE + (pendingS + waitS + runS) * S,
  };
}

describe("the optimizer's shadow FIFO report (real NATS JetStream and Redis)", () => {
  let env: TestEnv;
  let optimizer: Optimizer;

  beforeAll(async () => { env = await createTestEnv("shadow"); });
  afterAll(async () => {
    await optimizer?.stop();
    await (await jetstreamManager(env.nc)).streams.delete(env.subjects.outcomeStream).catch(() => undefined);
    await env.close();
  });

  it("stores per class the waits jobs had beside FIFO's on the same arrivals and slots, and exports them as gauges", async () => {
    // One slot. A merge-request job A (100 s) pending at 0, B (50 s) at 10, a production deploy C (10 s) at 20.
    // Switchyard ran C before B: A waited 0, C 80, B 100. FIFO would have run A, B, C: waits 0, 90, 130.
    await env.redis.hset(env.keys.runners, "r1", JSON.stringify({ runnerId: "r1", pool: "linux", limit: 1, running: 0, draining: false }));
    const metrics = createMetrics("optimizer");
    optimizer = createOptimizer({
      nc: env.nc, redis: env.redis, keys: env.keys, subjects: env.subjects, metrics, log, now: () => BASE + 1_000 * S,
      config: {
        jobQueuingDurations: [], classTargets: [], durableName: "optimizer", seenJobTtlSeconds: 600, pools: ["linux"],
        shadowFifo: shadowFifoSchema.parse({ intervalMs: 3_600_000, settleSeconds: 60, windowSeconds: 3_600 }),
      },
    });
    await optimizer.start();
    const js = jetstream(env.nc);
    const outcomes: [JobOutcome, string][] = [
      [ran(1, "merge-request", 0, 0, 100), "1"],
      [ran(3, "production-deploy", 20, 80, 10), "3"],
      [ran(2, "merge-request", 10, 100, 50), "2"],
      // The same end delivered again (at least once): counted once.
      [ran(2, "merge-request", 10, 100, 50), "2-again"],
      // Never ran (failed upstream past the maximum hold): it held no slot under either scheduler.
      [{ ...ran(4, "merge-request", 5, 300, 0), runnerId: null, runSeconds: null, end: "max-hold", status: "failed" }, "4"],
      [{ ...ran(5, "merge-request", 30, 0, 1), phase: "started", status: "running", end: null, runSeconds: null }, "5"],
    ];
    for (const [o, id] of outcomes) await js.publish(env.subjects.jobOutcome(o.pool), JSON.stringify(o), { msgID: id });
    await waitFor(async () => {
      const info = await (await jetstreamManager(env.nc)).consumers.info(env.subjects.outcomeStream, "optimizer");
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, { what: "outcomes consumed" });

    await optimizer.shadowFifo!.tick();
    const report = decode(contracts.shadowFifoReport, (await env.redis.get(env.keys.shadowFifo))!);
    expect(report.classes).toEqual([
      { jobClass: "merge-request", jobs: 2, live: { p50: 0, p95: 100 }, fifo: { p50: 0, p95: 90 }, late: 0 },
      { jobClass: "production-deploy", jobs: 1, live: { p50: 80, p95: 80 }, fifo: { p50: 130, p95: 130 }, late: 0 },
    ]);
    expect(report.pools).toEqual([{ pool: "linux", slots: 1, waiting: 0 }]);
    const gauge = (await metrics.registry.getSingleMetric("switchyard_shadow_fifo_wait_seconds")!.get()).values;
    const value = (scheduler: string) => gauge.find((v) => v.labels.job_class === "production-deploy" && v.labels.scheduler === scheduler && v.labels.quantile === "0.95")?.value;
    expect([value("switchyard"), value("fifo")]).toEqual([80, 130]);
  });

  it("keeps a bounded number of jobs for a pool it cannot replay (no runner states: slots unknown)", async () => {
    const tracker = createShadowFifoTracker({
      redis: env.redis, keys: env.keys, config: shadowFifoSchema.parse({ maxJobs: 3 }), registry: new Registry(), log,
      readSlots: async () => new Map(), now: () => BASE + 1_000 * S,
    });
    for (let i = 1; i <= 10; i++) tracker.observeOutcome({ ...ran(100 + i, "merge-request", i, 0, 1), pool: "gpu" });
    const report = await tracker.tick();
    expect(report.pools).toEqual([{ pool: "gpu", slots: null, waiting: 3 }]);
    expect(report.classes).toEqual([]);
  });
});
