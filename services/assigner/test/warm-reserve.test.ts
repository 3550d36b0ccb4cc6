// The optimizer's warm reserve in the dispatcher (#17): jobs below its minWeight do not take the
// pool's last reserved free slots, urgent ones do; FIFO fallback and a bad record hold nothing back.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WarmReserveV1, type Decision, type WarmReserveRecord } from "@switchyard/contracts";
import { defaultPlacementConfig, defaultQueueOrderConfig } from "@switchyard/decision";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { createJobClassifier } from "../src/deciding/job-classifier.js";
import type { ScorerClient } from "../src/deciding/scorer-client.js";
import { createWarmReserveReader, type WarmReserveReader } from "../src/deciding/warm-reserve.js";
import { createDispatcher } from "../src/dispatcher.js";
import { createDispatchQueue, type DispatchQueue, type HeldJobMeta } from "../src/queue/dispatch-queue.js";

const log = createLogger({ name: "warm-reserve", level: "silent" });
const POOL = "linux";

let env: TestEnv;
let queue: DispatchQueue;
let reader: WarmReserveReader;
beforeEach(async () => {
  env = await createTestEnv("warm-reserve");
  queue = createDispatchQueue(env.redis, env.keys);
  reader = createWarmReserveReader(env.redis, env.keys, log);
});
afterEach(async () => { await env.close(); });

function job(jobId: number, kind: "lint" | "production-deploy"): HeldJobMeta {
  const deploy = kind === "production-deploy";
  return {
    jobId, pool: POOL, projectId: jobId, pipelineId: 1, jobClass: kind, weight: deploy ? 100 : 10, tier: "autonomous",
    environment: deploy ? `prod-${jobId}` : null, environmentTier: deploy ? "production" : null, environmentAction: deploy ? "start" : null,
    isDeploy: deploy, name: `job-${jobId}`, stage: "test", ref: "main", protectedRef: false, pipelineSource: "push", projectPath: "g/p",
    timeoutSeconds: 3600, arrivedAt: 1_000 + jobId, fifoSeq: jobId, queueKey: 1_000 + jobId, gitlabQueueSeconds: 0, projectJobsRunning: "0",
  };
}

/** A scorer that never answers (each job falls back to FIFO placement), its breaker in the given state. */
const scorerIn = (state: ScorerClient["state"]): ScorerClient => ({
  state, scoreBatch: async (jobs) => jobs.map(() => ({ ok: false, reason: "scorer off in this test" })),
});

function dispatcher(scorer: ScorerClient, placed: number[]) {
  return createDispatcher({
    queue, classifier: createJobClassifier(undefined, defaultQueueOrderConfig, () => ({})), scorer,
    tieBreaker: { enabled: false, tieBreak: () => Promise.reject(new Error("off")) },
    approvals: { ask: () => Promise.reject(new Error("no approvals here")), stop: () => undefined },
    recorder: {
      build(held, _runnerId, _started, placement) {
        placed.push(held.jobId);
        return { decisionId: `d-${held.jobId}`, rationale: placement.rationale, mode: placement.mode } as Decision;
      },
      publish: () => undefined,
    },
    placeable: () => true, log, wake: () => undefined, placement: defaultPlacementConfig,
    reservationTtlMs: 60_000, approvalWindowMs: 1_000, pollFreshMs: 60_000, headSize: 32, warmReserve: reader.parse,
  });
}

async function writeReserve(slots: number): Promise<void> {
  const record: WarmReserveRecord = { v: 1, pool: POOL, slots, minWeight: 100, at: Date.now() };
  await env.redis.set(env.keys.warmReserve(POOL), JSON.stringify(WarmReserveV1.parse(record)), "PX", 60_000);
}

async function runnersAsking(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await queue.markPolling({ pool: POOL, runnerId: `r-${i}`, systemId: "s_reserve", pollId: `p${i}` }, Date.now() - 1_000 + i);
}

async function round(scorer: ScorerClient, placed: number[]): Promise<void> {
  const d = dispatcher(scorer, placed);
  d.requestRound(POOL);
  await d.idle();
  d.stop();
}

const queued = async () => (await queue.head(POOL, 10)).map((m) => m.jobId).sort((a, b) => a - b);

describe("warm reserve in the dispatcher (real Redis)", () => {
  it("holds a lint job back from the reserved slot while a production deploy takes it", async () => {
    await writeReserve(1);
    await runnersAsking(1);
    await queue.enqueue(job(1, "lint"), "{}");
    const placed: number[] = [];
    await round(scorerIn("closed"), placed);
    expect(placed).toEqual([]);
    expect(await queued()).toEqual([1]);

    await queue.enqueue(job(2, "production-deploy"), "{}");
    await round(scorerIn("closed"), placed);
    expect(placed).toEqual([2]);
    expect(await queued()).toEqual([1]);
  });

  it("lets a lint job take a free slot beyond the reserve", async () => {
    await writeReserve(1);
    await runnersAsking(2);
    await queue.enqueue(job(1, "lint"), "{}");
    await queue.enqueue(job(3, "lint"), "{}");
    const placed: number[] = [];
    await round(scorerIn("closed"), placed);
    // Two free slots, one reserved: the first lint job goes, the second would take the reserved one.
    expect(placed).toEqual([1]);
    expect(await queued()).toEqual([3]);
  });

  it("ignores the reserve in FIFO fallback (breaker open): no asking runner stays idle", async () => {
    await writeReserve(1);
    await runnersAsking(1);
    await queue.enqueue(job(1, "lint"), "{}");
    const placed: number[] = [];
    await round(scorerIn("open"), placed);
    expect(placed).toEqual([1]);
  });

  it("reads an invalid record as no reserve and counts it", async () => {
    await env.redis.set(env.keys.warmReserve(POOL), JSON.stringify({ v: 1, pool: POOL, slots: "two", minWeight: 100, at: Date.now() }));
    await runnersAsking(1);
    await queue.enqueue(job(1, "lint"), "{}");
    const placed: number[] = [];
    await round(scorerIn("closed"), placed);
    expect(placed).toEqual([1]);
    expect(reader.unreadable()).toBeGreaterThanOrEqual(1);
    await env.redis.set(env.keys.warmReserve(POOL), "not json");
    const before = reader.unreadable();
    expect(await reader.read(POOL)).toBeNull();
    expect(reader.unreadable()).toBe(before + 1);
  });

  it("holds nothing back once the record expired (the optimizer stopped writing it)", async () => {
    await env.redis.set(env.keys.warmReserve(POOL), JSON.stringify({ v: 1, pool: POOL, slots: 1, minWeight: 100, at: Date.now() }), "PX", 1);
    await runnersAsking(1);
    await queue.enqueue(job(1, "lint"), "{}");
    // Redis expires the key itself; wait for it rather than for a fixed time.
    await waitFor(async () => (await env.redis.exists(env.keys.warmReserve(POOL))) === 0, { what: "the reserve to expire" });
    const placed: number[] = [];
    await round(scorerIn("closed"), placed);
    expect(placed).toEqual([1]);
    expect(reader.unreadable()).toBe(0);
  });
});
