import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { DeadLetter, JobOutcomeV1 as JobOutcome } from "@switchyard/contracts";
import { createLogger, createMetrics, deleteStream, ensureDeadLetterStream, type Metrics } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { Counter } from "prom-client";
import { createOptimizer, type Optimizer } from "../src/optimizer.js";
import { createOutcomeHandler } from "../src/outcome-handler.js";
import { ensureOutcomeConsumer, ensureOutcomeStream } from "../src/outcome-stream.js";

/** Log lines as parsed JSON, to count warnings. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const log = createLogger({ name: "poison-test", level: "warn", destination: { write: (line: string) => { lines.push(JSON.parse(line) as { level: number; msg: string }); } } });
  return { log, lines };
}

function outcome(jobId: number): JobOutcome {
  return {
    v: 1, jobId, pool: "linux", runnerId: "r1", phase: "started", status: "running", failureReason: null, jobClass: "lint",
    decisionId: null, projectId: 7, queueSeconds: 3, holdSeconds: 1, runSeconds: null, at: Date.now(),
  } as JobOutcome;
}

const retry = { maxDeliver: 3, firstDelayMs: 50, maxDelayMs: 200 };

async function counterValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  return values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
}

describe("poison job outcomes (real NATS JetStream)", () => {
  let env: TestEnv;
  const stop: Optimizer[] = [];

  beforeAll(async () => {
    env = await createTestEnv("poison");
    await ensureOutcomeStream(env.nc, env.subjects);
    await ensureDeadLetterStream(env.nc, env.subjects);
  });
  afterAll(async () => {
    for (const o of stop) await o.stop();
    await deleteStream(env.nc, env.subjects.outcomeStream);
    await deleteStream(env.nc, env.subjects.deadLetterStream);
    await env.close();
  });

  const deadLetters = async () => (await (await jetstreamManager(env.nc)).streams.info(env.subjects.deadLetterStream)).state.messages;

  it("dead-letters invalid outcomes once each, warns once per distinct problem, and still processes the valid ones", async () => {
    const js = jetstream(env.nc);
    // Three distinct problems, 60 messages: not JSON, a wrong type, a missing field.
    for (let i = 0; i < 20; i++) {
      await js.publish(env.subjects.jobOutcome("linux"), `not json ${i}`);
      await js.publish(env.subjects.jobOutcome("linux"), JSON.stringify({ ...outcome(1000 + i), queueSeconds: "slow" }));
      const { pool: _omitted, ...noPool } = outcome(2000 + i);
      await js.publish(env.subjects.jobOutcome("linux"), JSON.stringify(noPool));
    }
    for (const id of [1, 2, 3]) await js.publish(env.subjects.jobOutcome("linux"), JSON.stringify(outcome(id)), { msgID: `${id}:started` });

    const { log, lines } = capturingLogger();
    const metrics = createMetrics("optimizer");
    const optimizer = createOptimizer({
      nc: env.nc, redis: env.redis, keys: env.keys, subjects: env.subjects, metrics, log,
      config: { jobQueuingDurations: [], classTargets: [], durableName: "optimizer", seenJobTtlSeconds: 600, outcomeRetry: retry },
    });
    stop.push(optimizer);
    await optimizer.start();

    await waitFor(async () => (await deadLetters()) === 60, { what: "60 dead letters" });
    const jsm = await jetstreamManager(env.nc);
    await waitFor(async () => {
      const info = await jsm.consumers.info(env.subjects.outcomeStream, "optimizer");
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, { what: "consumer idle" });
    const info = await jsm.consumers.info(env.subjects.outcomeStream, "optimizer");
    expect(info.config.max_deliver).toBe(retry.maxDeliver);
    // Every message delivered exactly once: nothing loops.
    expect(info.num_redelivered).toBe(0);
    expect(info.delivered.consumer_seq).toBe(63);
    expect(await env.redis.hget(env.keys.sliSummary("linux", "lint"), "jobs")).toBe("3");

    const letter = (await jsm.streams.getMessage(env.subjects.deadLetterStream, { seq: 1 }))!.json<DeadLetter>();
    expect(letter).toMatchObject({ contract: "job.outcome", agent: "optimizer", payload: "not json 0", subject: env.subjects.jobOutcome("linux") });
    expect(letter.reason).toMatch(/not JSON/);

    expect(lines.filter((l) => /dead-lettered/.test(l.msg))).toHaveLength(3);
    expect(await counterValue(metrics, "switchyard_outcomes_dead_lettered_total", { cause: "invalid" })).toBe(60);
    expect(await counterValue(metrics, "switchyard_invalid_messages_total", { contract: "job.outcome" })).toBe(60);
  });

  it("parks a valid outcome that keeps failing on its last delivery instead of retrying it forever", async () => {
    const jsm = await jetstreamManager(env.nc);
    await jsm.consumers.add(env.subjects.outcomeStream, {
      durable_name: "failing", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.New,
      filter_subject: env.subjects.jobOutcome("failing"), max_deliver: retry.maxDeliver,
    });
    const before = await deadLetters();
    let attempts = 0;
    const { log } = capturingLogger();
    const handle = createOutcomeHandler({
      js: jetstream(env.nc), subjects: env.subjects, agent: "optimizer", retry, log,
      invalidMessages: new Counter({ name: "t_invalid", help: "t", labelNames: ["contract", "agent"] as const, registers: [] }),
      deadLettered: new Counter({ name: "t_dead", help: "t", labelNames: ["cause"] as const, registers: [] }),
      apply: async () => { attempts++; throw new Error("redis down"); },
    });
    const consumer = await jetstream(env.nc).consumers.get(env.subjects.outcomeStream, "failing");
    await jetstream(env.nc).publish(env.subjects.jobOutcome("failing"), JSON.stringify(outcome(77)), { msgID: "77:started" });
    const messages = await consumer.consume();
    const loop = (async () => { for await (const m of messages) await handle(m); })();
    await waitFor(async () => (await deadLetters()) === before + 1, { what: "the failing outcome parked" });
    const parked = (await jsm.streams.getMessage(env.subjects.deadLetterStream, { last_by_subj: env.subjects.deadLetter("job_outcome") }))!.json<DeadLetter>();
    expect(parked.reason).toBe("not applied after 3 deliveries: redis down");
    expect(JSON.parse(parked.payload)).toMatchObject({ jobId: 77 });
    await waitFor(async () => (await jsm.consumers.info(env.subjects.outcomeStream, "failing")).num_ack_pending === 0, { what: "acknowledged" });
    await messages.close();
    await loop;
    expect(attempts).toBe(3);
  });

  it("sets max_deliver on a consumer created before it had one", async () => {
    const jsm = await jetstreamManager(env.nc);
    await jsm.consumers.add(env.subjects.outcomeStream, {
      durable_name: "legacy", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: env.subjects.jobOutcomeAll,
    });
    expect((await jsm.consumers.info(env.subjects.outcomeStream, "legacy")).config.max_deliver).toBe(-1);
    expect((await ensureOutcomeConsumer(env.nc, env.subjects, "legacy", 20)).config.max_deliver).toBe(20);
  });
});
