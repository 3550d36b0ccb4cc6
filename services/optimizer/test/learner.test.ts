import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { contracts, type FleetEvent, type WeightsUpdate } from "@switchyard/contracts";
import { createLogger, createMetrics } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { learningConfigSchema } from "../src/learning/learning-config.js";
import { createOptimizer, type Optimizer } from "../src/optimizer.js";
import { ensureOutcomeStream } from "../src/outcome-stream.js";
import { decision, finished } from "./learning-fixtures.js";

const log = createLogger({ name: "learner-test", level: "silent" });
const JOBS = 20;

describe("learning from decisions and outcomes (real NATS and Redis)", () => {
  let env: TestEnv;
  let optimizer: Optimizer;

  beforeAll(async () => {
    env = await createTestEnv("learner");
    await ensureOutcomeStream(env.nc, env.subjects);
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

  afterAll(async () => {
    await optimizer.stop();
    const jsm = await jetstreamManager(env.nc);
    await jsm.streams.delete(env.subjects.outcomeStream).catch(() => undefined);
    await env.close();
  });

  it("tunes weights from the outcomes, publishes and stores them, honours the freeze flag, and proposes promoting the class", async () => {
    const weights = env.collect(env.subjects.weightsUpdate);
    const proposals = env.collect(env.subjects.event("trust.proposal"));
    // Advisory class: the chosen runner is the one FIFO used (zero regret). A higher speed score ran faster,
    // a higher diskHeadroom score ran slower.
    for (let i = 1; i <= JOBS; i += 1) {
      const d = decision(i, { tier: "advisory", enforced: false, fifoRunnerId: "r1", scores: { r1: { speed: 4 * i, diskHeadroom: 100 - 4 * i } } });
      env.nc.publish(env.subjects.decision("linux"), JSON.stringify(d));
    }
    await env.nc.flush();
    await waitFor(async () => (await optimizer.learner!.report()).trust[0]?.evidence.decisions === JOBS, { what: "decisions observed" });
    const js = jetstream(env.nc);
    for (let i = 1; i <= JOBS; i += 1) {
      await js.publish(env.subjects.jobOutcome("linux"), JSON.stringify(finished(i, "r1", 300 - 10 * i)), { msgID: `${i}:finished` });
    }
    await waitFor(async () => (await optimizer.learner!.report()).joined === JOBS, { what: "outcomes joined" });

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
    const stored = await env.redis.hgetall(env.keys.weights);
    expect(stored.version).toBe("1");
    // The layout the scorer reads back at start-up (services/scorer/src/weights-store.ts).
    expect(JSON.parse(stored.weights ?? "{}")).toMatchObject({ speed: 0.82, diskHeadroom: tuned.weights.diskHeadroom });

    await env.redis.set(env.keys.weightsFrozen, "1");
    const frozen = await optimizer.learner!.tune();
    expect(frozen).toMatchObject({ published: false, version: 1, reason: "weights frozen", weights: tuned.weights });
    expect((await env.redis.hgetall(env.keys.weights)).version).toBe("1");

    expect(await optimizer.learner!.proposeTrust()).toEqual([expect.objectContaining({ jobClass: "build", from: "advisory", to: "supervised" })]);
    await proposals.waitForCount(1);
    expect(contracts.fleetEvent.schema.parse(proposals.json<FleetEvent>()[0])).toMatchObject({
      kind: "trust.proposal", details: { jobClass: "build", from: "advisory", to: "supervised", direction: "promote", decisions: JOBS },
    });
    expect(await optimizer.learner!.proposeTrust()).toEqual([]); // once per cooldown
  });
});
