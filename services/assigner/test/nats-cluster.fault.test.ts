// Issue 13 item 9: a 3-node NATS cluster (JetStream R3) whose outcome-stream leader is SIGKILLed mid-run.
// Before the outbox and R3, killing the leader for 60 s lost 134 outcome publishes. Counted: jobs created,
// finished, lost, run twice, stuck; outcomes in the stream (each job's `finished` exactly once); time until
// the stream had a leader again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createLogger, ensureDeadLetterStream, ensureOutcomeStream } from "@switchyard/runtime";
import { createRunnerFleet, type RunnerFleet, type SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createTestEnv, startOwnNatsCluster, waitFor, type TestEnv } from "@switchyard/testing";
import type { JobOutcome } from "@switchyard/contracts";
import { runnerId, runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

const JOBS = 2_000;
const RUNNERS = 20;
const SPEED = 60;
let env: TestEnv;
let cluster: Awaited<ReturnType<typeof startOwnNatsCluster>>;
let observer: NatsConnection;
let sim: SimulatedGitLab;
let sy: RunningAssigner;
let fleet: RunnerFleet;

/** The server name (`n<i>`) leading the outcome stream now, or null while it has none. */
async function streamLeader(): Promise<string | null> {
  // While the observer reconnects or the stream elects, the JetStream API times out: no leader known yet.
  try {
    const jsm = await jetstreamManager(observer, { timeout: 2_000 });
    return (await jsm.streams.info(env.subjects.outcomeStream)).cluster?.leader ?? null;
  } catch {
    return null;
  }
}

/** Every job id with a `finished` outcome in the stream, and how many such messages there are. */
async function finishedInStream(): Promise<{ jobs: Set<number>; messages: number }> {
  const js = jetstream(observer);
  const consumer = await js.consumers.get(env.subjects.outcomeStream);
  const jobs = new Set<number>();
  let messages = 0;
  const batch = await consumer.fetch({ max_messages: 3 * JOBS, expires: 10_000 });
  for await (const m of batch) {
    const o = m.json<JobOutcome>();
    if (o.phase === "finished") { jobs.add(o.jobId); messages++; }
    if (m.info.pending === 0) break;
  }
  return { jobs, messages };
}

beforeAll(async () => {
  env = await createTestEnv("natscluster");
  cluster = await startOwnNatsCluster(3);
  observer = await connect({ servers: cluster.url.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  sim = await startSim({ speed: SPEED, enforceJobTimeout: false });
  // The JetStream meta leader is elected a moment after the servers accept clients; then the assigner
  // finds the R3 streams (it would create them itself on a settled cluster).
  await waitFor(() => ensureOutcomeStream(observer, env.subjects, { replicas: 3 }).catch(() => null), { timeoutMs: 30_000, intervalMs: 250, what: "JetStream meta leader" });
  await ensureDeadLetterStream(observer, env.subjects, { replicas: 3 });
  sy = await startTestAssigner(env, sim.url, RUNNERS, {
    NATS_URL: cluster.url, SWITCHYARD_JETSTREAM_REPLICAS: "3", SWITCHYARD_KEEP_ALIVE_INTERVAL_MS: "1000", SWITCHYARD_HTTP_PORT: "0",
  });
  fleet = await createRunnerFleet({
    url: sy.brokerUrl, speed: SPEED, log: createLogger({ name: "fleet", level: "silent" }), checkIntervalMs: 100, maxRetryWaitMs: 50,
    runners: Array.from({ length: RUNNERS }, (_, i) => ({ id: runnerId(i + 1), token: runnerToken(i + 1), limit: 2 })),
  });
}, 90_000);

afterAll(async () => {
  await fleet?.close();
  await sy?.stop();
  await sim?.close();
  const jsm = await jetstreamManager(observer).catch(() => null);
  for (const stream of [env.subjects.outcomeStream, env.subjects.deadLetterStream]) await jsm?.streams.delete(stream).catch(() => undefined);
  await observer?.close();
  await cluster?.close();
  await env.close();
}, 60_000);

describe("a 3-node NATS cluster whose outcome-stream leader dies mid-run", () => {
  it("loses no job and no outcome, runs none twice, and the stream has a leader again within seconds", async () => {
    for (let i = 0; i < JOBS; i++) sim.enqueueJob({ name: `job ${i}`, stage: "test", projectId: 1 + (i % 20), tags: ["linux"], durationSeconds: 0 });
    const terminal = () => { const c = sim.state.counts(); return c.success + c.failed + c.canceled; };
    await waitFor(() => terminal() >= JOBS / 3, { timeoutMs: 120_000, intervalMs: 50, what: "a third of the jobs done" });

    const leader = await streamLeader();
    expect(leader).toMatch(/^n[012]$/);
    const victim = cluster.servers[Number(leader!.slice(1))]!;
    const killedAt = Date.now();
    await victim.kill();
    await waitFor(async () => { const now = await streamLeader(); return now !== null && now !== leader; }, { timeoutMs: 30_000, intervalMs: 100, what: "a new stream leader" });
    const recoveryMs = Date.now() - killedAt;
    await waitFor(() => terminal() >= (2 * JOBS) / 3, { timeoutMs: 120_000, intervalMs: 50, what: "two thirds of the jobs done" });
    await victim.restart();
    await waitFor(() => terminal() === JOBS, { timeoutMs: 180_000, intervalMs: 200, what: "every job terminal" });

    const received = new Map<number, number>();
    for (const id of fleet.receivedJobIds()) received.set(id, (received.get(id) ?? 0) + 1);
    const runTwice = [...received.values()].filter((n) => n > 1).length;
    const succeeded = sim.state.jobs().filter((j) => j.status === "success").length;
    // Outcomes are at least once through the assigner's outbox; the stream drops a re-send by msgID.
    let inStream = await finishedInStream();
    await waitFor(async () => { inStream = await finishedInStream(); return inStream.jobs.size === JOBS; }, { timeoutMs: 60_000, intervalMs: 1_000, what: "every finished outcome in the stream" });
    const row = { created: JOBS, finished: succeeded, lost: JOBS - succeeded, runTwice, stuck: JOBS - terminal(), outcomesInStream: inStream.jobs.size, duplicateOutcomes: inStream.messages - inStream.jobs.size, recoveryMs };
    console.log(`nats-cluster fault: ${JSON.stringify(row)}`);
    expect(row).toMatchObject({ finished: JOBS, lost: 0, runTwice: 0, stuck: 0, outcomesInStream: JOBS, duplicateOutcomes: 0 });
  }, 600_000);
});
