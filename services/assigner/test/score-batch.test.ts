// One score request per dispatch round (issue 16 item 2): the round's jobs share their asking
// runners, so they go to the scorers together, and a slow scorer costs the round one budget.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Counter, Gauge } from "prom-client";
import { SCORER_QUEUE_GROUP, type Decision, type JobBatchQueued, type JobBatchScored, type JobQueued } from "@switchyard/contracts";
import { defaultPlacementConfig, defaultQueueOrderConfig, toJobQueued } from "@switchyard/decision";
import { createBus, createLogger, createMetrics } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createJobClassifier } from "../src/deciding/job-classifier.js";
import { createScorerClient, SCORE_BATCH_MAX, type ScorerClient } from "../src/deciding/scorer-client.js";
import { createDispatcher } from "../src/dispatcher.js";
import { createDispatchQueue, type HeldJobMeta } from "../src/queue/dispatch-queue.js";

let env: TestEnv;
beforeEach(async () => { env = await createTestEnv("score-batch"); });
afterEach(async () => { await env.close(); });

const log = createLogger({ name: "score-batch", level: "silent" });

function meta(jobId: number): HeldJobMeta {
  return {
    jobId, pool: "linux", projectId: jobId, pipelineId: 1, jobClass: "default", weight: 20, tier: "autonomous",
    environment: null, environmentTier: null, environmentAction: null, isDeploy: false, name: `job-${jobId}`, stage: "test",
    ref: "main", protectedRef: false, pipelineSource: "push", projectPath: "g/p", timeoutSeconds: 3600,
    arrivedAt: 1_000 + jobId, fifoSeq: jobId, queueKey: 1_000 + jobId, gitlabQueueSeconds: 0, projectJobsRunning: "0",
  };
}

function scorerClient(budgetMs = 2_000): ScorerClient {
  const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "assigner", log, metrics: createMetrics("assigner") });
  return createScorerClient({
    bus, log, budgetMs, failuresToOpen: 5, halfOpenAfterMs: 60_000,
    breakerState: new Gauge({ name: "breaker_state", help: "-", registers: [] }),
    breakerTransitions: new Counter({ name: "breaker_transitions", help: "-", labelNames: ["to"], registers: [] }),
  });
}

/** A scorer stand-in on the real bus: answers each batch, ranking runners by name, optionally leaving jobs out. */
function standInScorer(opts: { leaveOut?: number[]; reverse?: boolean } = {}) {
  const batches: JobBatchQueued[] = [];
  const sub = env.nc.subscribe(env.subjects.jobBatchQueuedAll, {
    queue: SCORER_QUEUE_GROUP,
    callback: (_e, msg) => {
      const batch = msg.json<JobBatchQueued>();
      batches.push(batch);
      const candidates = [...batch.openRunners].sort((a, b) => a.runnerId.localeCompare(b.runnerId))
        .map((r, i) => ({ runnerId: r.runnerId, total: 100 - 30 * i, contributions: [{ plugin: "freeCapacity", score: 100 - 30 * i, weight: 1 }] }));
      const results = batch.jobs.filter((j) => !opts.leaveOut?.includes(j.jobId)).map((j) => ({ jobId: j.jobId, candidates, rejected: [] }));
      const reply: JobBatchScored = {
        v: 1, pool: batch.pool, results: opts.reverse ? results.reverse() : results,
        weightsVersion: 3, scorerId: "stand-in", scoredAt: Date.now(), latencyMs: 0.5,
      };
      msg.respond(JSON.stringify(reply));
    },
  });
  return { batches, stop: () => sub.unsubscribe() };
}

const asking = ["r-a", "r-b", "r-c"];
const requestOf = (jobId: number, runners = asking): JobQueued => toJobQueued(meta(jobId), runners);

describe("scoring a dispatch round", () => {
  it("asks the scorers once for the whole round and places each job on its own runner", async () => {
    const scorer = standInScorer();
    await env.nc.flush();
    const queue = createDispatchQueue(env.redis, env.keys);
    const decisions: { jobId: number; runnerId: string; mode: string }[] = [];
    const dispatcher = createDispatcher({
      queue, classifier: createJobClassifier(undefined, defaultQueueOrderConfig, () => ({})), scorer: scorerClient(),
      tieBreaker: { enabled: false, tieBreak: () => Promise.reject(new Error("off")) },
      approvals: { ask: () => Promise.reject(new Error("no approvals here")), stop: () => undefined },
      recorder: {
        build(held, runnerId, _started, placement) {
          decisions.push({ jobId: held.jobId, runnerId, mode: placement.mode });
          return { decisionId: `d-${held.jobId}`, rationale: placement.rationale, mode: placement.mode } as Decision;
        },
        publish: () => undefined,
      },
      placeable: () => true, log, wake: () => undefined, placement: defaultPlacementConfig,
      reservationTtlMs: 60_000, approvalWindowMs: 1_000, pollFreshMs: 60_000, headSize: 32,
    });
    for (const id of [1, 2, 3]) await queue.enqueue(meta(id), "{}");
    const at = Date.now() - 10_000;
    for (const [i, runnerId] of asking.entries()) await queue.markPolling({ pool: "linux", runnerId, systemId: "s_batch", pollId: `p${i}` }, at + i);

    dispatcher.requestRound("linux");
    await dispatcher.idle();
    dispatcher.stop();
    scorer.stop();

    expect(scorer.batches).toHaveLength(1);
    expect(scorer.batches[0]!.jobs.map((j) => j.jobId)).toEqual([1, 2, 3]);
    expect(scorer.batches[0]!.openRunners.map((r) => r.runnerId).sort()).toEqual(asking);
    // Every job was scored (rule mode), and each earlier job took the best runner still free.
    expect(decisions).toEqual([
      { jobId: 1, runnerId: "r-a", mode: "rule" },
      { jobId: 2, runnerId: "r-b", mode: "rule" },
      { jobId: 3, runnerId: "r-c", mode: "rule" },
    ]);
  });

  it("splits a round bigger than one request into batches of SCORE_BATCH_MAX and keeps the jobs' order", async () => {
    const scorer = standInScorer({ reverse: true });
    await env.nc.flush();
    const jobs = Array.from({ length: 2 * SCORE_BATCH_MAX + 2 }, (_, i) => requestOf(i + 1));
    const results = await scorerClient().scoreBatch(jobs);
    scorer.stop();
    expect(scorer.batches.map((b) => b.jobs.length).sort((a, b) => b - a)).toEqual([SCORE_BATCH_MAX, SCORE_BATCH_MAX, 2]);
    expect(results.map((r) => (r.ok ? r.scored.jobId : null))).toEqual(jobs.map((j) => j.jobId));
    expect(results[0]).toMatchObject({ ok: true, scored: { pool: "linux", weightsVersion: 3, scorerId: "stand-in" } });
  });

  it("gives a job the scorer left out a reason to fall back, and the others their scores", async () => {
    const scorer = standInScorer({ leaveOut: [2] });
    await env.nc.flush();
    const results = await scorerClient().scoreBatch([requestOf(1), requestOf(2), requestOf(3)]);
    scorer.stop();
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toEqual({ ok: false, reason: "scorer left the job out of its answer" });
  });

  it("falls every job of a batch back with the same reason when no scorer answers", async () => {
    const results = await scorerClient(200).scoreBatch([requestOf(1), requestOf(2)]);
    expect(results).toHaveLength(2);
    for (const r of results) expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^scorer (failed|slower)/) });
  });

  it("refuses to batch jobs offered different runners: one batch carries one runner list", async () => {
    await expect(scorerClient().scoreBatch([requestOf(1), requestOf(2, ["r-a"])])).rejects.toThrow(/same runners/);
  });
});
