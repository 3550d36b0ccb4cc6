// The short chain (issue 16 item 1): from a job's take-in to its rule-path decision the assigner makes at
// most two Redis round trips (the round's read, the placement) and one NATS request (the scores).
// Counted on the wire side of ioredis: every command or pipeline the queue's connection sends.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Counter, Gauge } from "prom-client";
import type { Redis } from "ioredis";
import { SCORER_QUEUE_GROUP, type Decision, type JobBatchQueued, type JobBatchScored } from "@switchyard/contracts";
import { defaultPlacementConfig, defaultQueueOrderConfig } from "@switchyard/decision";
import { createBus, createLogger, createMetrics } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createJobClassifier } from "../src/deciding/job-classifier.js";
import { createScorerClient } from "../src/deciding/scorer-client.js";
import { createDispatcher } from "../src/dispatcher.js";
import { createDispatchQueue } from "../src/queue/dispatch-queue.js";
import { createIntake } from "../src/upstream/intake.js";
import * as scripts from "../src/queue/lua.js";

let env: TestEnv;
let client: Redis;
beforeEach(async () => { env = await createTestEnv("round-trips"); client = env.redis.duplicate(); });
afterEach(async () => { client.disconnect(); await env.close(); });

const log = createLogger({ name: "round-trips", level: "silent" });

/**
 * Counts what a client sends: one round trip per command, or per pipeline/MULTI (its commands share one
 * write). ioredis sends pipelined commands through `sendCommand` with the pipeline's stream as second
 * argument. A trip's depth is one more than the deepest trip already answered when it was sent, so
 * trips sent together (Promise.all) count once and the deepest is the chain's length.
 */
function countRoundTrips(redis: Redis) {
  interface Trip { names: string[]; depth: number; answered: boolean }
  const trips: Trip[] = [];
  const batches = new Map<unknown, Trip>();
  let on = false;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { name: string; promise: Promise<unknown> }, stream?: unknown, node?: unknown) => {
    if (on) {
      let trip = stream === undefined ? undefined : batches.get(stream);
      if (trip) trip.names.push(command.name);
      else {
        trip = { names: [command.name], depth: 1 + Math.max(0, ...trips.filter((t) => t.answered).map((t) => t.depth)), answered: false };
        trips.push(trip);
        if (stream !== undefined) batches.set(stream, trip);
      }
      const t = trip;
      command.promise.then(() => { t.answered = true; }, () => { t.answered = true; });
    }
    return (send as (...args: unknown[]) => Promise<unknown>)(command, stream, node);
  }) as Redis["sendCommand"];
  return {
    start() { trips.length = 0; batches.clear(); on = true; },
    /** → what was sent since start, and the number of trips in a row. */
    stop(): { sent: string[][]; sequential: number } {
      on = false;
      return { sent: trips.map((t) => [...t.names]), sequential: Math.max(0, ...trips.map((t) => t.depth)) };
    },
  };
}

/** A scorer stand-in on the real bus ranking runners by name; counts the requests it answers. */
function standInScorer() {
  const requests: JobBatchQueued[] = [];
  const sub = env.nc.subscribe(env.subjects.jobBatchQueuedAll, {
    queue: SCORER_QUEUE_GROUP,
    callback: (_e, msg) => {
      const batch = msg.json<JobBatchQueued>();
      requests.push(batch);
      const candidates = [...batch.openRunners].sort((a, b) => a.runnerId.localeCompare(b.runnerId))
        .map((r, i) => ({ runnerId: r.runnerId, total: 100 - 40 * i, contributions: [{ plugin: "freeCapacity", score: 100 - 40 * i, weight: 1 }] }));
      const reply: JobBatchScored = {
        v: 1, pool: batch.pool, results: batch.jobs.map((j) => ({ jobId: j.jobId, candidates, rejected: [] })),
        weightsVersion: 1, scorerId: "stand-in", scoredAt: Date.now(), latencyMs: 0.1,
      };
      msg.respond(JSON.stringify(reply));
    },
  });
  return { requests, stop: () => sub.unsubscribe() };
}

/** A GitLab job body as `jobs/request` returns it (the parts the intake reads). */
function gitlabJob(id: number, variables: Record<string, string>): string {
  return JSON.stringify({
    id, token: `job-token-${id}`,
    job_info: { name: "deploy", stage: "deploy", project_id: 7, project_name: "p", time_in_queue_seconds: 1, project_jobs_running_on_instance_runners_count: "0" },
    git_info: { ref: "main", protected: true }, runner_info: { timeout: 3600 },
    variables: Object.entries({ CI_PIPELINE_ID: "3", CI_PROJECT_PATH: "g/p", CI_COMMIT_REF_NAME: "main", ...variables })
      .map(([key, value]) => ({ key, value, public: true })),
  });
}

async function takeInAndDecide(body: string) {
  const scorer = standInScorer();
  await env.nc.flush();
  const trips = countRoundTrips(client);
  const queue = createDispatchQueue(client, env.keys);
  const classifier = createJobClassifier(undefined, defaultQueueOrderConfig, () => ({}));
  const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "assigner", log, metrics: createMetrics("assigner") });
  const decided: { runnerId: string; mode: string; redis: ReturnType<ReturnType<typeof countRoundTrips>["stop"]> }[] = [];
  const dispatcher = createDispatcher({
    queue, classifier,
    scorer: createScorerClient({
      bus, log, budgetMs: 2_000, failuresToOpen: 5, halfOpenAfterMs: 60_000,
      breakerState: new Gauge({ name: "breaker_state", help: "-", registers: [] }),
      breakerTransitions: new Counter({ name: "breaker_transitions", help: "-", labelNames: ["to"], registers: [] }),
    }),
    tieBreaker: { enabled: false, tieBreak: () => Promise.reject(new Error("off")) },
    approvals: { ask: () => Promise.reject(new Error("no approvals on the rule path")), stop: () => undefined },
    recorder: {
      build: (held, _runnerId, _started, placement) =>
        ({ decisionId: `d-${held.jobId}`, rationale: placement.rationale, mode: placement.mode, runnerId: _runnerId } as Decision),
      // The decision is made here: what was sent up to now is the chain.
      publish: (decision) => { decided.push({ runnerId: decision.runnerId!, mode: decision.mode, redis: trips.stop() }); },
    },
    placeable: () => true, log, wake: () => undefined, placement: defaultPlacementConfig,
    reservationTtlMs: 60_000, approvalWindowMs: 1_000, pollFreshMs: 60_000, headSize: 32,
  });
  const at = Date.now() - 5_000;
  // Steady state: the server has the scripts (runScript sends EVALSHA; only the first use after a Redis
  // start or failover sends the text once more, one extra trip for that script).
  for (const script of Object.values(scripts)) await client.script("LOAD", script);
  for (const [i, runnerId] of ["r-a", "r-b"].entries()) await queue.markPolling({ pool: "linux", runnerId, systemId: "s_rt", pollId: `p${i}` }, at + i);

  trips.start();
  const held = await createIntake({ queue, classifier, log })("linux", body);
  const takeIn = trips.stop();
  trips.start();
  dispatcher.requestRound("linux");
  await dispatcher.idle();
  dispatcher.stop();
  scorer.stop();
  return { held, takeIn, decided, scoreRequests: scorer.requests.length, queue };
}

describe("the rule path's round trips", () => {
  it("takes a job in with one Redis step, and decides it with two more and one score request", async () => {
    const { held, takeIn, decided, scoreRequests, queue } = await takeInAndDecide(gitlabJob(501, {}));
    expect(held?.fifoSeq).toBe(1);
    expect(takeIn).toEqual({ sent: [["evalsha"]], sequential: 1 });
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({ runnerId: "r-a", mode: "rule" });
    // The round's read, then the placement: nothing else before the decision.
    expect(decided[0]!.redis.sequential).toBeLessThanOrEqual(2);
    expect(decided[0]!.redis.sent).toEqual([["evalsha"], ["evalsha"]]);
    expect(scoreRequests).toBe(1);
    expect((await queue.meta(501))?.decisionId).toBe("d-501");
  });

  it("keeps to two for a top-class deploy too (deploy order and the project's budget in the same steps)", async () => {
    // A staging deploy: top class (weight 60) and autonomous; a production one would wait for a human.
    const { decided, scoreRequests, queue } = await takeInAndDecide(gitlabJob(502, { CI_ENVIRONMENT_NAME: "staging", CI_ENVIRONMENT_ACTION: "start" }));
    expect(decided).toHaveLength(1);
    expect(decided[0]!.redis.sequential).toBeLessThanOrEqual(2);
    expect(decided[0]!.redis.sent).toEqual([["evalsha"], ["evalsha"]]);
    expect(scoreRequests).toBe(1);
    expect((await queue.highClassUsage("linux", Date.now())).get(7)).toBe(1);
  });
});

describe("the upstream poller's room check", () => {
  // The pool poller asks for the pool's free downstream slots before every jobs/request
  // (upstream/pool-poller.ts reserveAsk). Read from Node it cost one LLEN per asking runner; under the
  // live bench (500 runners) that was most of the assigner's Redis traffic.
  it("reads the free slots of 300 asking runners in one command, less their reservations and stale polls", async () => {
    const queue = createDispatchQueue(client, env.keys);
    const at = Date.now();
    for (let i = 0; i < 300; i++) await queue.markPolling({ pool: "linux", runnerId: `r-${i}`, systemId: "s_rt", pollId: `p${i}` }, at);
    // A second poll of r-0 (request_concurrency 2): two slots; a stale poll of r-stale: none.
    await queue.markPolling({ pool: "linux", runnerId: "r-0", systemId: "s_rt", pollId: "p-extra" }, at);
    await queue.markPolling({ pool: "linux", runnerId: "r-stale", systemId: "s_rt", pollId: "p-old" }, at - 120_000);
    // Two jobs reserved for r-1 (one poll): r-1 has no free slot and does not go below zero.
    for (const jobId of [601, 602]) {
      await createIntake({ queue, classifier: createJobClassifier(undefined, defaultQueueOrderConfig, () => ({})), log })("linux", gitlabJob(jobId, {}));
      expect(await queue.reserve("linux", jobId, "r-1", at + 60_000)).toBe(true);
    }
    await client.script("LOAD", scripts.FREE_SLOTS);
    const trips = countRoundTrips(client);
    trips.start();
    const free = await queue.pollingCount("linux", at - 60_000);
    expect(trips.stop().sent).toEqual([["evalsha"]]);
    // 301 polls since the window's start, r-1's one covered by its reservations.
    expect(free).toBe(300);
  });
});

describe("a runner's poll", () => {
  // The broker's first step of a jobs/request (downstream/broker-server.ts): collect, version and presence
  // were three Redis round trips in a row before a poll was answered or held.
  it("is answered or held after one Redis command: the job with the version, or asking with the version", async () => {
    const queue = createDispatchQueue(client, env.keys);
    await client.script("LOAD", scripts.COLLECT);
    const poll = { pool: "linux", runnerId: "r-poll", systemId: "s_rt", pollId: "p1" };
    const trips = countRoundTrips(client);
    trips.start();
    const empty = await queue.answerPoll("r-poll", poll, true);
    expect(trips.stop().sent).toEqual([["evalsha"]]);
    expect(empty).toEqual({ job: null, version: "v0" });
    // Asking now: the pool has its slot, as markPolling would have said.
    expect(await queue.pollingCount("linux", Date.now() - 60_000)).toBe(1);

    await createIntake({ queue, classifier: createJobClassifier(undefined, defaultQueueOrderConfig, () => ({})), log })("linux", gitlabJob(701, {}));
    expect(await queue.reserve("linux", 701, "r-poll", Date.now() + 60_000)).toBe(true);
    trips.start();
    const answer = await queue.answerPoll("r-poll", poll, false);
    expect(trips.stop().sent).toEqual([["evalsha"]]);
    // The reservation bumped the runner's version; collecting took the poll out of the polling set.
    expect(answer.job?.jobId).toBe(701);
    expect(answer.version).toBe("v1");
    expect(await queue.pollingCount("linux", Date.now() - 60_000)).toBe(0);
    // A held poll checking again (not arriving) does not join the polling set when nothing is there.
    expect(await queue.answerPoll("r-poll", { ...poll, pollId: "p2" }, false)).toEqual({ job: null, version: "v1" });
    expect(await queue.pollingCount("linux", Date.now() - 60_000)).toBe(0);
  });
});
