import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Counter, Registry } from "prom-client";
import { createLogger, type ReplicaSettle, type ReplicaWait } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createDispatchQueue, type DispatchQueue, type HeldJobMeta } from "../src/queue/dispatch-queue.js";
import { withDurableWrites } from "../src/queue/durable-writes.js";

// A Sentinel failover promotes a replica that may lack the writes the old primary acknowledged last
// (replication is asynchronous; WAIT only tells whether a replica had them, https://redis.io/docs/latest/commands/wait/).
// Here the failover is played on the test's own keys: while the write "waits for its replica", the
// records it wrote are taken back to what a replica that never received them holds. The durable
// queue must then find them missing where writes go now and write them again before answering anyone.
const log = createLogger({ name: "durable-writes-test", level: "silent" });

let env: TestEnv;
let plain: DispatchQueue;
let repairs: Counter<"record">;
/** What the next settle does to Redis before answering (the failover), and what it answers. */
let failover: (() => Promise<void>) | null;
let answer: ReplicaSettle;

const replica: ReplicaWait = {
  epoch: () => 0,
  async settle() {
    const f = failover;
    failover = null;
    await f?.();
    return answer;
  },
};
const lostInFailover: ReplicaSettle = { result: "timeout", reconnected: true, durable: false };

function meta(jobId: number): HeldJobMeta {
  return {
    jobId, pool: "linux", projectId: 4, pipelineId: 1, jobClass: "default", weight: 20, tier: "autonomous",
    environment: null, environmentTier: null, environmentAction: null, isDeploy: false, name: "j", stage: "test",
    ref: "main", protectedRef: false, pipelineSource: "push", projectPath: "g/p", timeoutSeconds: 3600,
    arrivedAt: 1_000 + jobId, fifoSeq: jobId, queueKey: 1_000 + jobId, gitlabQueueSeconds: 0, projectJobsRunning: "0",
  };
}
/** Calls through `failing` fail while `down` counts down, as Redis does while Sentinel elects a primary. */
let down = 0;
const failing = async <T>(call: () => Promise<T>) => { if (down-- > 0) throw new Error("Reached the max retries per request limit (which is 2)."); return call(); };
const repaired = async (record: string) => (await repairs.get()).values.find((v) => v.labels.record === record)?.value ?? 0;

beforeEach(async () => {
  env = await createTestEnv("durable");
  plain = createDispatchQueue(env.redis, env.keys);
  repairs = new Counter({ name: "t_repairs", help: "t", labelNames: ["record"] as const, registers: [new Registry()] });
  failover = null;
  answer = { result: "acked", reconnected: false, durable: true };
});
afterEach(async () => { await env.close(); });

const durable = () => withDurableWrites({ queue: plain, replica, repairs, log, sleep: async () => undefined });

describe("take-ins and hand-offs survive a Redis failover that lost them", () => {
  it("writes a take-in again when the promoted primary never received it, so the job is still handed out", async () => {
    const queue = durable();
    const { redis, keys } = env;
    failover = async () => {
      await redis.multi().hdel(keys.jobs, "11").hdel(keys.jobMeta, "11").zrem(keys.queue("linux"), "11").zrem(keys.held("linux"), "11").exec();
    };
    answer = lostInFailover;
    await queue.enqueue(meta(11), '{"id":11}');
    expect(await repaired("take_in")).toBe(1);
    expect(await queue.depth("linux")).toBe(1);
    expect(await queue.heldCount("linux")).toBe(1);
    expect(await queue.reserve("linux", 11, "r-001", Date.now() + 10_000)).toBe(true);
    expect((await queue.collect("r-001"))?.payload).toBe('{"id":11}');
  });

  it("leaves a take-in the primary has alone when only the replica was slow (no repair)", async () => {
    const queue = durable();
    answer = { result: "timeout", reconnected: false, durable: false };
    await queue.enqueue(meta(12), '{"id":12}');
    expect(await repaired("take_in")).toBe(0);
    expect(await queue.depth("linux")).toBe(1);
  });

  it("writes a hand-off again before the runner is answered, so the promoted replica's reservation cannot go to a second runner", async () => {
    const queue = durable();
    const { redis, keys } = env;
    await plain.enqueue(meta(13), '{"id":13}');
    const deadline = Date.now() + 10_000;
    await plain.reserve("linux", 13, "r-001", deadline);
    // The replica had the reservation but not the collect: the job still reserved for r-001, no hand-off.
    failover = async () => {
      await redis.multi().hdel(keys.handoffs, "13").rpush(keys.reserved("r-001"), "13").zadd(keys.reservationDeadlines, deadline, "13|r-001")
        .hincrby(keys.runnerLoad, "r-001", -1).zadd(keys.held("linux"), 1_013, "13").hincrby(keys.projectLoad("linux"), "4", -1).exec();
    };
    answer = lostInFailover;
    const job = await queue.collect("r-001");
    expect(job?.jobId).toBe(13);
    expect(await repaired("handoff")).toBe(1);
    expect(await queue.handoffOf(13)).toMatchObject({ runnerId: "r-001", acked: false });
    expect(await redis.llen(keys.reserved("r-001"))).toBe(0);
    expect(await queue.heldCount("linux")).toBe(0);
    expect((await queue.projectLoad("linux")).get(4)).toBe(1);
    // Nothing left to give anyone else: no expiry brings it back, no other collect finds it.
    expect(await queue.expireReservations(deadline + 1)).toBe(0);
    expect(await queue.depth("linux")).toBe(0);
    expect(await queue.collect("r-001")).toBeNull();
  });

  it("writes the take-in too when the failover lost the job altogether", async () => {
    const queue = durable();
    const { redis, keys } = env;
    await plain.enqueue(meta(14), '{"id":14}');
    await plain.reserve("linux", 14, "r-001", Date.now() + 10_000);
    failover = async () => {
      await redis.multi().hdel(keys.handoffs, "14").hdel(keys.jobs, "14").hdel(keys.jobMeta, "14").hincrby(keys.runnerLoad, "r-001", -1).exec();
    };
    answer = lostInFailover;
    expect((await queue.collect("r-001"))?.jobId).toBe(14);
    expect(await queue.payload(14)).toBe('{"id":14}');
    expect((await queue.meta(14))?.pool).toBe("linux");
    // The job's end then finds everything it clears.
    expect(await queue.forget("linux", 14)).toBe("r-001");
  });

  /** A job reserved for r-001 whose hand-off the coming failover loses, and that r-002 collected on the promoted primary. */
  async function reservedThenCollectedElsewhere(jobId: number): Promise<void> {
    await plain.enqueue(meta(jobId), `{"id":${jobId}}`);
    await plain.reserve("linux", jobId, "r-001", Date.now() + 10_000);
    failover = async () => { await env.redis.hset(env.keys.handoffs, String(jobId), `r-002|${Date.now()}|0`); };
    answer = lostInFailover;
  }

  it("answers the runner without the job when another runner collected it on the promoted primary meanwhile", async () => {
    const queue = durable();
    await reservedThenCollectedElsewhere(15);
    expect(await queue.collect("r-001")).toBeNull();
    expect(await queue.handoffOf(15)).toMatchObject({ runnerId: "r-002" });
    expect(await repaired("handoff")).toBe(0);
  });

  it("keeps an arriving poll asking when its job went to another runner in the failover (the poll's one-step answer)", async () => {
    const queue = durable();
    await reservedThenCollectedElsewhere(16);
    const poll = { pool: "linux", runnerId: "r-001", systemId: "s_durable", pollId: "p1" };
    // No job for this poll, and it counts as a free slot as any poll that collected nothing does.
    expect(await queue.answerPoll("r-001", poll, true)).toEqual({ job: null, version: "v1" });
    expect(await plain.pollingCount("linux", Date.now() - 60_000)).toBe(1);
  });

  it("keeps checking while Redis is still failing over", async () => {
    let failures = 2;
    const flaky: DispatchQueue = { ...plain, restoreTakeIn: async (m, p) => { if (failures-- > 0) throw new Error("Connection is closed."); return plain.restoreTakeIn(m, p); } };
    const queue = withDurableWrites({ queue: flaky, replica, repairs, log, sleep: async () => undefined });
    const { redis, keys } = env;
    failover = async () => { await redis.multi().hdel(keys.jobs, "16").hdel(keys.jobMeta, "16").zrem(keys.queue("linux"), "16").zrem(keys.held("linux"), "16").exec(); };
    answer = lostInFailover;
    await queue.enqueue(meta(16), '{"id":16}');
    expect(failures).toBe(-1);
    expect(await queue.depth("linux")).toBe(1);
  });
});

describe("a take-in while Redis is failing over", () => {
  it("is written once Redis answers again instead of being dropped (GitLab already runs the job on the pool)", async () => {
    down = 3;
    const flaky: DispatchQueue = {
      ...plain,
      enqueue: (m, p) => failing(() => plain.enqueue(m, p)),
      restoreTakeIn: (m, p) => failing(() => plain.restoreTakeIn(m, p)),
      nextFifoSeq: (pool) => failing(() => plain.nextFifoSeq(pool)),
    };
    const queue = withDurableWrites({ queue: flaky, replica, repairs, log, sleep: async () => undefined });
    const seq = await queue.nextFifoSeq("linux");
    expect(seq).toBeGreaterThan(0);
    down = 2;
    await queue.enqueue({ ...meta(17), fifoSeq: seq }, '{"id":17}');
    expect(await queue.depth("linux")).toBe(1);
    expect(await repaired("take_in")).toBe(1);
  });
});

describe("around a hand-off while Redis is failing over", () => {
  it("reads the runner's version and undoes an unanswered hand-off once Redis answers again", async () => {
    down = 0;
    const flaky: DispatchQueue = {
      ...plain,
      runnerVersion: (r) => failing(() => plain.runnerVersion(r)),
      undoHandoff: (j, r, at) => failing(() => plain.undoHandoff(j, r, at)),
    };
    const queue = withDurableWrites({ queue: flaky, replica, repairs, log, sleep: async () => undefined });
    await plain.enqueue(meta(18), '{"id":18}');
    await plain.reserve("linux", 18, "r-001", Date.now() + 10_000);
    const collected = await queue.collect("r-001");
    expect(collected?.jobId).toBe(18);
    down = 2;
    expect(await queue.runnerVersion("r-001")).toBe("v1");
    down = 2;
    expect(await queue.undoHandoff(18, "r-001", collected!.handedAt)).toBe(true);
    expect(await queue.depth("linux")).toBe(1);
  });
});
