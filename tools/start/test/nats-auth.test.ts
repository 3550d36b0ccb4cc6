import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import { SCORER_QUEUE_GROUP, contracts, subjects, type JobBatchQueued, type JobOutcome, type JobQueued, type JobScored } from "@switchyard/contracts";
import {
  connectNats, createBus, createLogger, createMetrics, ensureDeadLetterStream, ensureOutcomeStream, redisKeys, startHeartbeat, type Bus,
} from "@switchyard/runtime";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "@switchyard/testing";
import { createApprovals } from "../../../services/assigner/src/deciding/approvals.js";
import { createApprovalReplier } from "../../../services/monitor/src/dashboard/approval-replies.js";
import { ensureOutcomeConsumer } from "../../../services/optimizer/src/outcome-stream.js";
import { startAuthNats, type LocalNats } from "../src/local-nats.js";

// The nats-server config npm start, compose and Kubernetes ship is generated from one table
// (libs/contracts nats-permissions.ts). Here it runs on its own loopback port: every agent's own
// code path works under its user, and each forgery of issue 12 is refused by the server itself.
const prefix = uniquePrefix("natsauth");
const s = subjects(prefix);
const log = createLogger({ name: "nats-auth-test", level: "silent" });
const dir = mkdtempSync(join(tmpdir(), "switchyard-nats-auth-"));
const logFile = join(dir, "nats-server.log");
let nats: LocalNats;
const connections = new Map<string, NatsConnection>();

async function as(user: string): Promise<NatsConnection> {
  const existing = connections.get(user);
  if (existing) return existing;
  const nc = await connectNats(nats.urlFor(user), `test-${user}`, log);
  connections.set(user, nc);
  return nc;
}
async function busOf(user: string): Promise<Bus> {
  return createBus({ nc: await as(user), prefix, agent: user, log, metrics: createMetrics(user) });
}

/** Resolves with the server's refusal of `operation` on `subject` for this connection. */
function refusal(nc: NatsConnection, operation: "publish" | "subscription", subject: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${operation} refusal for ${subject} within 5 s`)), 5_000);
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type !== "error") continue;
        const err = status.error as Error & { operation?: string; subject?: string };
        if (err.name === "PermissionViolationError" && err.operation === operation && err.subject === subject) {
          clearTimeout(timer);
          resolve(err.message);
          return;
        }
      }
    })();
  });
}

/** Every message on a subject from now on, and a wait for the first that matches. */
function watch(nc: NatsConnection, subject: string) {
  const messages: Msg[] = [];
  const waiters: { match: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  const sub = nc.subscribe(subject, {
    callback: (_err, msg) => {
      messages.push(msg);
      for (const w of [...waiters]) if (w.match(msg)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(msg); }
    },
  });
  return {
    messages,
    stop: () => sub.unsubscribe(),
    next: (match: (m: Msg) => boolean = () => true) => new Promise<Msg>((resolve, reject) => {
      const found = messages.find(match);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`nothing matching on ${subject} within 5 s`)), 5_000);
      waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    }),
  };
}

beforeAll(async () => {
  nats = await startAuthNats({ prefix, logFile });
}, 30_000);

afterAll(async () => {
  for (const nc of connections.values()) await nc.close().catch(() => undefined);
  await nats?.stop();
  const redis = new Redis(TEST_REDIS_URL);
  await deleteKeys(redis, `${prefix}:*`);
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

describe("NATS with the shipped users and permissions", () => {
  it("refuses a client without credentials and one with a wrong password", async () => {
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow(/authorization/i);
    await expect(connect({ servers: nats.url, user: "scorer", pass: "wrong", reconnect: false })).rejects.toThrow(/authorization/i);
  });

  it("lets the monitor publish runner state, the optimizer weights and the assigner heartbeats, each to those who read them", async () => {
    const scorer = await as("scorer");
    const states = watch(scorer, s.runnerStateAll);
    const weights = watch(scorer, s.weightsUpdate);
    const beats = watch(await as("monitor"), s.heartbeat("assigner"));
    await scorer.flush();
    await (await as("monitor")).flush();
    const monitor = await busOf("monitor");
    monitor.publish(contracts.runnerState, s.runnerState("r-1"), {
      v: 1, runnerId: "r-1", description: "r-1", pool: "linux", tags: ["linux"], runUntagged: false, protected: false, paused: false,
      status: "online", draining: false, healthy: true, limit: 2, running: 0, runningJobIds: [], diskUsedRatio: 0.2, cpus: null,
      memoryGiB: null, version: null, contactedAt: null, updatedAt: Date.now(),
    });
    (await busOf("optimizer")).publish(contracts.weightsUpdate, s.weightsUpdate, { v: 1, version: 2, weights: { freeCapacity: 1 }, reason: "test", frozen: false, at: Date.now() });
    const stopBeat = startHeartbeat(await busOf("assigner"), "assigner", "assigner-1", 60_000, () => true);
    try {
      await Promise.all([states.next(), weights.next(), beats.next()]);
    } finally {
      stopBeat();
      for (const w of [states, weights, beats]) w.stop();
    }
  });

  it("lets the assigner ask the scorers (queue group) and get their scored reply in its own inbox", async () => {
    const scorerBus = await busOf("scorer");
    const scored: JobScored = { v: 1, jobId: 7, pool: "linux", candidates: [], rejected: [], weightsVersion: 1, scorerId: "scorer-1", scoredAt: Date.now(), latencyMs: 1 };
    const sub = scorerBus.subscribe(contracts.jobQueued, s.jobQueuedAll, (_job: JobQueued, msg) => {
      scorerBus.respond(msg, contracts.jobScored, scored);
      scorerBus.publish(contracts.jobScored, s.jobScored("linux"), scored);
    }, { queue: SCORER_QUEUE_GROUP });
    await scorerBus.nc.flush();
    const job: JobQueued = {
      v: 1, jobId: 7, pool: "linux", projectId: 1, projectPath: null, pipelineId: 1, name: "lint", stage: "test", ref: "main", protectedRef: false,
      pipelineSource: "push", environment: null, jobClass: "default", tier: "autonomous", priority: 1, arrivedAt: Date.now(),
      gitlabQueueSeconds: 0, timeoutSeconds: 3600, openRunners: [{ runnerId: "r-1", freeSlots: 1 }],
    };
    const reply = await (await busOf("assigner")).request(contracts.jobQueued, s.jobQueued("linux"), job, contracts.jobScored, 5_000);
    expect(reply.jobId).toBe(7);
    sub.unsubscribe();
  });

  it("lets the assigner send a round's jobs to the scorers as one batch and get the batch reply", async () => {
    const scorerBus = await busOf("scorer");
    const sub = scorerBus.subscribe(contracts.jobBatchQueued, s.jobBatchQueuedAll, (batch: JobBatchQueued, msg) => {
      scorerBus.respond(msg, contracts.jobBatchScored, {
        v: 1, pool: batch.pool, results: batch.jobs.map((j) => ({ jobId: j.jobId, candidates: [], rejected: [] })),
        weightsVersion: 1, scorerId: "scorer-1", scoredAt: Date.now(), latencyMs: 1,
      });
    }, { queue: SCORER_QUEUE_GROUP });
    await scorerBus.nc.flush();
    const job = {
      jobId: 8, projectId: 1, projectPath: null, pipelineId: 1, name: "lint", stage: "test", ref: "main", protectedRef: false,
      pipelineSource: "push", environment: null, jobClass: "default", tier: "autonomous" as const, priority: 1, arrivedAt: Date.now(),
      gitlabQueueSeconds: 0, timeoutSeconds: 3600,
    };
    const batch: JobBatchQueued = { v: 1, pool: "linux", openRunners: [{ runnerId: "r-1", freeSlots: 1 }], jobs: [job, { ...job, jobId: 9 }] };
    const reply = await (await busOf("assigner")).request(contracts.jobBatchQueued, s.jobBatchQueued("linux"), batch, contracts.jobBatchScored, 5_000);
    expect(reply.results.map((r) => r.jobId)).toEqual([8, 9]);
    sub.unsubscribe();
  });

  it("lets the assigner keep outcomes in JetStream and the optimizer consume and acknowledge them", async () => {
    const assigner = await as("assigner");
    const optimizer = await as("optimizer");
    for (const nc of [assigner, optimizer]) {
      await ensureOutcomeStream(nc, s);
      await ensureDeadLetterStream(nc, s);
    }
    await ensureOutcomeConsumer(optimizer, s, "optimizer", 5);
    const outcome: JobOutcome = {
      v: 2, jobId: 9, pool: "linux", runnerId: "r-1", phase: "finished", status: "success", failureReason: null, end: "runner", jobClass: "default",
      decisionId: null, projectId: 1, queueSeconds: 1, holdSeconds: 0, runSeconds: 2, at: Date.now(),
    };
    await jetstream(assigner).publish(s.jobOutcome("linux"), JSON.stringify(outcome), { msgID: "9:finished" });
    const consumer = await jetstream(optimizer).consumers.get(s.outcomeStream, "optimizer");
    const msg = await consumer.next({ expires: 5_000 });
    expect(msg?.json<JobOutcome>().jobId).toBe(9);
    await msg?.ackAck();
    expect((await consumer.info()).num_ack_pending).toBe(0);
    // Only the assigner and optimizer manage the stream; nobody may delete it.
    const cli = await as("cli");
    const refused = refusal(cli, "publish", `$JS.API.STREAM.DELETE.${s.outcomeStream}`);
    await (await jetstreamManager(cli, { checkAPI: false })).streams.delete(s.outcomeStream).catch(() => undefined);
    await refused;
  });

  it("records the approver NATS proved, answers the requester, and tells an unknown id apart", async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const keys = redisKeys(prefix);
    const approvals = createApprovals({ bus: await busOf("assigner"), log, redis, keys });
    const requests = watch(await as("cli"), s.approvalRequestAll);
    await (await as("assigner")).flush();
    await (await as("cli")).flush();
    const ask = (decisionId: string) => approvals.ask({
      v: 1, decisionId, jobId: 1, pool: "linux", jobClass: "production-deploy", proposedRunnerId: "r-1", fifoRunnerId: "r-2",
      rationale: "test", expiresAt: Date.now() + 10_000,
    }, 10_000);
    try {
      const viaCli = ask("d-cli");
      await requests.next();
      const cliBus = await busOf("cli");
      const result = await cliBus.request(contracts.approvalAnswer, s.approvalAnswer("cli"), { v: 1, decisionId: "d-cli", approved: true, by: "alice", at: Date.now() }, contracts.approvalResult, 5_000);
      expect(result).toMatchObject({ result: "accepted", by: "cli" });
      expect(await viaCli).toMatchObject({ state: "approved", by: "cli", claimedBy: "alice" });

      const viaDashboard = ask("d-dash");
      const replier = createApprovalReplier({ bus: await busOf("monitor"), log, now: Date.now });
      expect(await replier.answer("d-dash", false, "bob")).toMatchObject({ result: "accepted" });
      expect(await viaDashboard).toMatchObject({ state: "rejected", by: "dashboard", claimedBy: "bob" });

      expect(await replier.answer("d-nope", true, "bob")).toMatchObject({ result: "unknown" });
      expect(await replier.answer("d-cli", false, "bob")).toMatchObject({ result: "already-answered", message: expect.stringMatching(/approved by cli/) });
    } finally {
      approvals.stop();
      requests.stop();
      await redis.quit();
    }
  });

  // Each forgery of issue 12: who tries, where, who may publish there, and who would have read it.
  const forgeries: { what: string; forger: string; subject: string; owner?: string; reader?: string }[] = [
    { what: "a fake decision from the scorer", forger: "scorer", subject: s.decision("linux"), owner: "assigner", reader: "cli" },
    { what: "weights from the monitor", forger: "monitor", subject: s.weightsUpdate, owner: "optimizer", reader: "scorer" },
    { what: "weights from the assigner", forger: "assigner", subject: s.weightsUpdate, owner: "optimizer", reader: "scorer" },
    { what: "weights from the CLI", forger: "cli", subject: s.weightsUpdate, owner: "optimizer", reader: "scorer" },
    { what: "an assigner heartbeat from the scorer", forger: "scorer", subject: s.heartbeat("assigner"), owner: "assigner", reader: "monitor" },
    { what: "an assigner heartbeat from the optimizer", forger: "optimizer", subject: s.heartbeat("assigner"), owner: "assigner", reader: "monitor" },
    { what: "runner state from the optimizer", forger: "optimizer", subject: s.runnerState("r-1"), owner: "monitor", reader: "scorer" },
    { what: "a scored reply published by the assigner", forger: "assigner", subject: s.jobScored("linux") },
    { what: "a reply put straight into the assigner's inbox", forger: "monitor", subject: "_INBOX.assigner.forged.1" },
    { what: "an outcome from the CLI", forger: "cli", subject: s.jobOutcome("linux"), owner: "assigner", reader: "scorer" },
    { what: "a CLI approval from the scorer", forger: "scorer", subject: s.approvalAnswer("cli"), owner: "cli", reader: "assigner" },
    { what: "a dashboard approval from the CLI", forger: "cli", subject: s.approvalAnswer("dashboard"), owner: "monitor", reader: "assigner" },
    { what: "a recycle request from the optimizer", forger: "optimizer", subject: s.event("runner.recycle-requested"), owner: "monitor", reader: "optimizer" },
    { what: "a job for the scorers from the monitor", forger: "monitor", subject: s.jobQueued("linux"), owner: "assigner", reader: "scorer" },
    { what: "a batch for the scorers from the optimizer", forger: "optimizer", subject: s.jobBatchQueued("linux"), owner: "assigner", reader: "scorer" },
  ];

  it.each(forgeries)("refuses $what", async ({ forger, subject, owner, reader }) => {
    const forging = await as(forger);
    const readerNc = reader ? await as(reader) : null;
    const seen = readerNc ? watch(readerNc, subject) : null;
    await readerNc?.flush();
    const refused = refusal(forging, "publish", subject);
    forging.publish(subject, JSON.stringify({ forged: true }));
    expect(await refused).toMatch(/Permissions Violation for Publish/);
    if (seen && owner) {
      // The rightful publisher's message arrives; the forged one, refused before it, never does.
      (await as(owner)).publish(subject, JSON.stringify({ forged: false }));
      await seen.next();
      expect(seen.messages.map((m) => m.json<{ forged: boolean }>().forged)).toEqual([false]);
      seen.stop();
    }
  });

  it.each([
    { who: "scorer", subject: "_INBOX.assigner.>", why: "the assigner's replies" },
    { who: "cli", subject: s.jobQueuedAll, why: "jobs it could answer as a scorer" },
    { who: "monitor", subject: s.jobBatchQueuedAll, why: "batches it could answer as a scorer" },
    { who: "monitor", subject: s.approvalAnswerAll, why: "approval answers" },
  ])("refuses a $who subscription to $why", async ({ who, subject }) => {
    const nc = await as(who);
    const refused = refusal(nc, "subscription", subject);
    nc.subscribe(subject);
    expect(await refused).toMatch(/Permissions Violation for Subscription/);
  });

  it("logged no refusal for the agents' own jobs, only for the forgeries", () => {
    // nats-server logs each refusal as `Publish Violation - User "u", Subject "s"` (or Subscription).
    const violations = readFileSync(logFile, "utf8").split("\n").filter((l) => /violation/i.test(l));
    const refusedSubjects = new Set(violations.map((l) => /Subject "([^"]+)"/.exec(l)?.[1]));
    const expected = new Set([...forgeries.map((f) => f.subject), `$JS.API.STREAM.DELETE.${s.outcomeStream}`, "_INBOX.assigner.>", s.jobQueuedAll, s.jobBatchQueuedAll, s.approvalAnswerAll]);
    expect(violations.length).toBeGreaterThanOrEqual(expected.size);
    expect([...refusedSubjects].filter((x) => !expected.has(x as string))).toEqual([]);
  });
});
