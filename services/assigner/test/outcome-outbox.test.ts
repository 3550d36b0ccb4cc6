import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { JobOutcome } from "@switchyard/contracts";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createTestEnv, startOwnNats, waitFor, type OwnServer, type TestEnv } from "@switchyard/testing";
import { runnerClient } from "./runner-client.js";
import { runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

// Issue 13: outcomes are at least once. The assigner writes each to a Redis outbox in the step that
// ends the job and deletes it only once JetStream acknowledged it; a NATS outage delays outcomes, and the
// msgID (`<jobId>:<phase>`) lets the stream's duplicate window drop a copy published twice.
const JOBS = 3;
let env: TestEnv;
let nats: OwnServer;
let sim: SimulatedGitLab;
let sy: RunningAssigner;

beforeAll(async () => {
  env = await createTestEnv("outbox");
  nats = await startOwnNats();
  sim = await startSim({});
  sy = await startTestAssigner(env, sim.url, JOBS, { NATS_URL: nats.url });
});
afterAll(async () => {
  await sy?.stop();
  await sim?.close();
  await nats?.close();
  await env?.close();
});

async function counter(name: string): Promise<number> {
  return (await sy.rt.metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
}

/** Every outcome the stream on the test's own NATS holds, read with a fresh connection. */
async function storedOutcomes(): Promise<{ msgId: string | undefined; outcome: JobOutcome }[]> {
  const nc: NatsConnection = await connect({ servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(env.subjects.outcomeStream);
    const out: { msgId: string | undefined; outcome: JobOutcome }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(env.subjects.outcomeStream, { seq });
      if (m) out.push({ msgId: m.header?.get("Nats-Msg-Id"), outcome: m.json<JobOutcome>() });
    }
    return out;
  } finally {
    await nc.close();
  }
}

describe("outcomes while NATS is down", () => {
  it("are kept in the outbox and all arrive, once each, after NATS comes back", async () => {
    const runners = Array.from({ length: JOBS }, (_, i) => runnerClient(sy.brokerUrl, runnerToken(i + 1)));
    const jobs: { id: number; token: string }[] = [];
    for (const runner of runners) {
      const first = await runner.requestJob();
      const polled = first.status === 201 ? first : runner.requestJob(first.lastUpdate);
      sim.enqueueJob({ name: `job-${jobs.length}`, tags: ["linux"] });
      const job = (await polled).job as { id: number; token: string };
      expect((await runner.updateJob(job.id, job.token, "running")).status).toBe(200);
      jobs.push(job);
    }
    await waitFor(async () => (await env.redis.hlen(env.keys.outcomeOutbox)) === 0 && (await storedOutcomes()).length === JOBS,
      { what: "started outcomes published", timeoutMs: 10_000 });

    await nats.kill();
    for (const [i, job] of jobs.entries()) {
      await waitFor(async () => (await runners[i]!.updateJob(job.id, job.token, "success")).status === 200, { what: `job ${job.id} finished` });
    }
    // Every end is recorded in Redis at once, and publishing it fails while NATS is away.
    await waitFor(async () => (await env.redis.hlen(env.keys.outcomeOutbox)) === JOBS, { what: "finished outcomes in the outbox" });
    await waitFor(async () => (await counter("switchyard_outcome_publish_failures_total")) > 0, { what: "a publish failed", timeoutMs: 15_000 });
    expect(await env.redis.hlen(env.keys.handoffs)).toBe(0);

    await nats.restart();
    await waitFor(async () => (await env.redis.hlen(env.keys.outcomeOutbox)) === 0, { what: "outbox drained", timeoutMs: 30_000 });
    await waitFor(async () => (await counter("switchyard_outcome_outbox_depth")) === 0, { what: "depth gauge back to 0" });

    const stored = await storedOutcomes();
    const finished = stored.filter((s) => s.outcome.phase === "finished");
    expect(finished.map((s) => s.outcome.jobId).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(finished.every((s) => s.outcome.status === "success" && s.msgId === `${s.outcome.jobId}:finished`)).toBe(true);
    // None twice: the stream holds each outcome once, whatever was retried.
    expect(new Set(stored.map((s) => s.msgId)).size).toBe(stored.length);
    expect(stored).toHaveLength(2 * JOBS);

    // A second replica draining the same entry publishes it again: the stream's duplicate window drops it.
    const again = finished[0]!;
    await env.redis.hset(env.keys.outcomeOutbox, again.msgId!, JSON.stringify(again.outcome));
    await waitFor(async () => (await env.redis.hlen(env.keys.outcomeOutbox)) === 0, { what: "duplicate drained", timeoutMs: 10_000 });
    expect(await storedOutcomes()).toHaveLength(2 * JOBS);
  });
});
