import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream } from "@nats-io/jetstream";
import { contracts, summarizeDecision, type FleetEvent, type WeightsUpdate } from "@switchyard/contracts";
import { createLogger, createMetrics } from "@switchyard/runtime";
import { waitFor, type TestEnv } from "@switchyard/testing";
import { learningConfigSchema } from "../src/learning/learning-config.js";
import { createOptimizer, type Optimizer } from "../src/optimizer.js";
import { closeOutcomeTestEnv, consumerIdle, outcomeTestEnv } from "./outcome-env.js";
import { decision, finished } from "./learning-fixtures.js";

const log = createLogger({ name: "learner-test", level: "silent" });
const JOBS = 20;

describe("learning from decisions and outcomes (real NATS and Redis)", () => {
  let env: TestEnv;
  let optimizer: Optimizer;

  beforeAll(async () => {
    env = await outcomeTestEnv("learner");
    optimizer = createOptimizer({
      nc: env.nc, redis: env.redis, keys: env.keys, subjects: env.subjects, metrics: createMetrics("optimizer"), log,
      config: {
        jobQueuingDurations: [], classTargets: [], durableName: "optimizer", seenJobTtlSeconds: 600,
        learning: learningConfigSchema.parse({
          intervalMs: 3_600_000, minSamples: 10, maxStepPerInterval: 0.05,
          initialWeights: { speed: 0.8, diskHeadroom: 0.5 },
          weightBounds: { speed: { min: 0.1, max: 0.82 }, diskHeadroom: { min: 0.1, max: 2 } },
          trust: { minDecisions: 10, minEstimated: 5 },
        }),
      },
    });
    await optimizer.start();
  });

  afterAll(() => closeOutcomeTestEnv(env, [optimizer]));

  it("tunes weights from the outcomes, publishes and stores them, honours the freeze flag, and proposes promoting the class", async () => {
    const weights = env.collect(env.subjects.weightsUpdate);
    const proposals = env.collect(env.subjects.event("trust.proposal"));
    // Advisory class: the chosen runner is the one FIFO used (zero regret). A higher speed score ran faster,
    // a higher diskHeadroom score ran slower.
    // Each outcome carries the summary of the decision that placed its job (as the assigner stores it at reservation).
    const js = jetstream(env.nc);
    for (let i = 1; i <= JOBS; i += 1) {
      const d = decision(i, { tier: "advisory", enforced: false, fifoRunnerId: "r1", scores: { r1: { speed: 4 * i, diskHeadroom: 100 - 4 * i } } });
      await js.publish(env.subjects.jobOutcome("linux"), JSON.stringify({ ...finished(i, "r1", 300 - 10 * i), decision: summarizeDecision(d) }), { msgID: `${i}:finished` });
    }
    await waitFor(async () => (await optimizer.learner!.report()).joined === JOBS, { what: "outcomes joined" });
    expect((await optimizer.learner!.report()).trust[0]?.evidence.decisions).toBe(JOBS);

    const report = await optimizer.learner!.report();
    expect(report.plugins.find((p) => p.plugin === "speed")?.correlation).toBeGreaterThan(0.9);
    expect(report.plugins.find((p) => p.plugin === "diskHeadroom")?.correlation).toBeLessThan(-0.9);
    expect(report.regret).toEqual([expect.objectContaining({ jobClass: "build", decisions: JOBS, estimated: JOBS, meanRegretSeconds: 0 })]);

    const tuned = await optimizer.learner!.tune();
    expect(tuned).toMatchObject({ published: true, version: 1, weights: { speed: 0.82, diskHeadroom: expect.closeTo(0.45, 2) } });
    await weights.waitForCount(1);
    const update = contracts.weightsUpdate.schema.parse(weights.json<WeightsUpdate>()[0]);
    expect(update).toMatchObject({ version: 1, weights: tuned.weights, frozen: false });
    expect(update.reason).toMatch(/speed 0\.8→0\.82 \(rank corr 1\.00 over 20 outcomes\)/);
    expect(update.reason).toMatch(/diskHeadroom 0\.5→0\.45 \(rank corr -1\.00 over 20 outcomes\)/);
    // Only the scorer writes `<p>:weights` (none runs here): the learner published and stored nothing.
    expect(await env.redis.exists(env.keys.weights)).toBe(0);

    await env.redis.set(env.keys.weightsFrozen, "1");
    const frozen = await optimizer.learner!.tune();
    expect(frozen).toMatchObject({ published: false, version: 1, reason: "weights frozen", weights: tuned.weights });
    // Frozen, the unstored v1 is not sent again either (a flush round trip delivers anything published before it).
    await env.nc.flush();
    expect(weights.json<WeightsUpdate>().map((u) => u.version)).toEqual([1]);

    // No scorer stored v1, so tuning goes on from it: v2 is v1 moved one more step, not v1 again.
    await env.redis.del(env.keys.weightsFrozen);
    let last = await optimizer.learner!.tune();
    expect(last).toMatchObject({ published: true, version: 2, weights: { speed: 0.82, diskHeadroom: expect.closeTo(0.4, 2) } });
    // Once the bounds stop it, the last update (still unstored) is sent again each interval.
    let step = await optimizer.learner!.tune();
    for (let i = 0; step.changes.length > 0 && i < 50; i += 1) [last, step] = [step, await optimizer.learner!.tune()];
    expect(step).toMatchObject({ published: true, version: last.version, weights: last.weights });
    await env.nc.flush();
    expect(weights.json<WeightsUpdate>().filter((u) => u.version === last.version)).toHaveLength(2);
    // A scorer stores it (services/scorer weights-store's layout): the learner reads it back through WeightsRecordV1
    // and sends nothing more.
    await env.redis.hset(env.keys.weights, { version: String(last.version), weights: JSON.stringify(last.weights), reason: "tuned", frozen: "false", at: String(Date.now()) });
    expect(await optimizer.learner!.tune()).toMatchObject({ published: false, version: last.version, weights: last.weights });
    expect(await optimizer.learner!.report()).toMatchObject({ weightsVersion: last.version, weights: last.weights });
    await env.nc.flush();
    expect(weights.json<WeightsUpdate>().filter((u) => u.version === last.version)).toHaveLength(2);

    expect(await optimizer.learner!.proposeTrust()).toEqual([expect.objectContaining({ jobClass: "build", from: "advisory", to: "supervised" })]);
    await proposals.waitForCount(1);
    expect(contracts.fleetEvent.schema.parse(proposals.json<FleetEvent>()[0])).toMatchObject({
      kind: "trust.proposal", details: { jobClass: "build", from: "advisory", to: "supervised", direction: "promote", decisions: JOBS },
    });
    expect(await optimizer.learner!.proposeTrust()).toEqual([]); // once per cooldown
  });

  it("pairs an outcome with the decision it carries, and learns nothing from an outcome without one", async () => {
    const before = (await optimizer.learner!.report()).joined;
    const js = jetstream(env.nc);
    for (let i = 101; i <= 105; i += 1) {
      // Only the outcome, carrying the summary the assigner stored at reservation.
      const d = decision(i, { enforced: true, runnerId: "r2", fifoRunnerId: "r1", scores: { r2: { speed: 70, diskHeadroom: 40 } } });
      await js.publish(env.subjects.jobOutcome("linux"), JSON.stringify({ ...finished(i, "r2", 120), decision: summarizeDecision(d) }), { msgID: `${i}:finished` });
    }
    await waitFor(async () => (await optimizer.learner!.report()).joined === before + 5, { what: "outcomes joined from their own decision summary" });
    // An outcome without a summary (an older assigner) joins nothing; the stream keeps order, so
    // once the one after it (with a summary) has joined, it has been read.
    await js.publish(env.subjects.jobOutcome("linux"), JSON.stringify(finished(106, "r2", 120)), { msgID: "106:finished" });
    const last = decision(107, { enforced: true, runnerId: "r2", fifoRunnerId: "r1" });
    await js.publish(env.subjects.jobOutcome("linux"), JSON.stringify({ ...finished(107, "r2", 120), decision: summarizeDecision(last) }), { msgID: "107:finished" });
    await waitFor(async () => (await optimizer.learner!.report()).joined >= before + 6, { what: "the last outcome joined" });
    expect((await optimizer.learner!.report()).joined).toBe(before + 6);
  });
});

describe("learning across an optimizer restart (real NATS and Redis)", () => {
  let env: TestEnv;
  const running: Optimizer[] = [];
  const start = async (): Promise<Optimizer> => {
    const o = createOptimizer({
      nc: env.nc, redis: env.redis, keys: env.keys, subjects: env.subjects, metrics: createMetrics("optimizer"), log,
      config: {
        jobQueuingDurations: [], classTargets: [], durableName: "optimizer", seenJobTtlSeconds: 600,
        learning: learningConfigSchema.parse({ intervalMs: 3_600_000, initialWeights: { speed: 1 }, weightBounds: { speed: { min: 0.1, max: 2 } } }),
      },
    });
    running.push(o);
    await o.start();
    return o;
  };

  beforeAll(async () => { env = await outcomeTestEnv("learner-restart"); });
  afterAll(() => closeOutcomeTestEnv(env, running));

  it("learns from a job decided before the restart and finished while it was down, once even if delivered twice", async () => {
    const before = await start();
    // The assigner decides (and publishes the decision) while the first optimizer runs; it stops before the job ends.
    const d = decision(1, { enforced: true, runnerId: "r1", fifoRunnerId: "r2", scores: { r1: { speed: 80 } } });
    env.nc.publish(env.subjects.decision("linux"), JSON.stringify(d));
    await env.nc.flush();
    await before.stop();
    const js = jetstream(env.nc);
    const outcome = JSON.stringify({ ...finished(1, "r1", 60), decision: summarizeDecision(d) });
    await js.publish(env.subjects.jobOutcome("linux"), outcome, { msgID: "1:finished" });

    const after = await start();
    await waitFor(async () => (await after.learner!.report()).joined === 1, { what: "the job decided before the restart joined" });
    const report = await after.learner!.report();
    expect(report.plugins).toEqual([{ plugin: "speed", samples: 1, correlation: null }]);
    expect(report.trust[0]?.evidence).toMatchObject({ jobClass: "build", decisions: 1 });

    // Re-published past the stream's duplicate window (another msgID): the same decision is not learned again.
    await js.publish(env.subjects.jobOutcome("linux"), outcome, { msgID: "1:finished:again" });
    const next = decision(2, { enforced: true, runnerId: "r1", fifoRunnerId: "r2" });
    await js.publish(env.subjects.jobOutcome("linux"), JSON.stringify({ ...finished(2, "r1", 60), decision: summarizeDecision(next) }), { msgID: "2:finished" });
    // Every outcome applied (acknowledged after apply) before the counts are read.
    await waitFor(() => consumerIdle(env, "optimizer"), { what: "all three outcomes applied" });
    const last = await after.learner!.report();
    expect(last.joined).toBe(2);
    expect(last.trust[0]?.evidence.decisions).toBe(2);
  });
});
