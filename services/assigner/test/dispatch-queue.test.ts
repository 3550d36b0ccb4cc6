import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createDispatchQueue, type DispatchQueue, type HeldJobMeta } from "../src/queue/dispatch-queue.js";

let env: TestEnv;
let queue: DispatchQueue;
beforeEach(async () => { env = await createTestEnv("queue"); queue = createDispatchQueue(env.redis, env.keys); });
afterEach(async () => { await env.close(); });

function meta(jobId: number, extra: Partial<HeldJobMeta> = {}): HeldJobMeta {
  return {
    jobId, pool: "linux", projectId: 1, pipelineId: 1, jobClass: "default", weight: 20, tier: "autonomous",
    environment: null, environmentTier: null, environmentAction: null, isDeploy: false, name: "j", stage: "test",
    ref: "main", protectedRef: false, pipelineSource: "push", projectPath: "g/p", timeoutSeconds: 3600,
    arrivedAt: 1_000 + jobId, fifoSeq: jobId, queueKey: 1_000 + jobId, gitlabQueueSeconds: 0, projectJobsRunning: "0", ...extra,
  };
}

describe("the dispatch queue in Redis", () => {
  it("hands a reserved job to exactly one of many concurrent collectors", async () => {
    await queue.enqueue(meta(1), '{"id":1}');
    expect(await queue.reserve("linux", 1, "r-001", Date.now() + 10_000)).toBe(true);
    expect(await queue.reserve("linux", 1, "r-002", Date.now() + 10_000)).toBe(false);
    const results = await Promise.all(Array.from({ length: 20 }, () => queue.collect("r-001")));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await queue.handoffOf(1)).toMatchObject({ runnerId: "r-001", acked: false });
    expect(await queue.heldCount("linux")).toBe(0);
  });

  it("returns an uncollected reservation to the queue at its deadline", async () => {
    await queue.enqueue(meta(2), '{"id":2}');
    await queue.reserve("linux", 2, "r-001", 5);
    expect(await queue.depth("linux")).toBe(0);
    expect(await queue.expireReservations(10)).toBe(1);
    expect(await queue.depth("linux")).toBe(1);
    expect(await queue.collect("r-001")).toBeNull();
  });

  it("puts back a hand-off the runner never received, once", async () => {
    await queue.enqueue(meta(3), '{"id":3}');
    await queue.reserve("linux", 3, "r-001", Date.now() + 10_000);
    const at = (await queue.collect("r-001"))!.handedAt;
    expect(await queue.undoHandoff(3, "r-002", at)).toBe(false);
    expect(await queue.undoHandoff(3, "r-001", at)).toBe(true);
    expect(await queue.undoHandoff(3, "r-001", at)).toBe(false);
    expect(await queue.depth("linux")).toBe(1);
    expect(await queue.heldCount("linux")).toBe(1);
  });

  it("never puts back a hand-off its runner acknowledged, and an acknowledgement never revives an undone one", async () => {
    // The held keeper asks GitLab whether the runner got the job, then undoes; an acknowledgement that
    // lands in between means a runner runs the job, so the undo must refuse (a double run otherwise).
    await queue.enqueue(meta(4), '{"id":4}');
    await queue.reserve("linux", 4, "r-001", Date.now() + 10_000);
    const at4 = (await queue.collect("r-001"))!.handedAt;
    expect(await queue.markAcked(4)).toBe("r-001");
    expect(await queue.undoHandoff(4, "r-001", at4)).toBe(false);
    expect(await queue.depth("linux")).toBe(0);
    expect(await queue.handoffOf(4)).toMatchObject({ runnerId: "r-001", acked: true });
    // Undone first: a late acknowledgement finds nothing to mark and writes nothing back.
    await queue.enqueue(meta(5), '{"id":5}');
    await queue.reserve("linux", 5, "r-001", Date.now() + 10_000);
    const at5 = (await queue.collect("r-001"))!.handedAt;
    expect(await queue.undoHandoff(5, "r-001", at5)).toBe(true);
    expect(await queue.markAcked(5)).toBeNull();
    expect(await queue.handoffOf(5)).toBeNull();
  });

  it("counts top-class dispatches per project over the last hour only, and keeps a day of them with their weight", async () => {
    const now = 100_000_000;
    await queue.recordHighClass("linux", 7, 9, 100, now - 25 * 3_600_000);
    await queue.recordHighClass("linux", 7, 1, 100, now - 3_700_000);
    await queue.recordHighClass("linux", 7, 2, 60, now - 10);
    await queue.recordHighClass("linux", 7, 3, 100, now - 5);
    // An older assigner's member, without the weight, still counts against the budget.
    await env.redis.zadd(env.keys.highClassDispatches("linux"), now - 5, "8:4");
    const usage = await queue.highClassUsage("linux", now);
    expect(usage.get(7)).toBe(2);
    expect(usage.get(8)).toBe(1);
    // The day-old start went with the last write; the one of an hour ago stays for the warm reserve.
    expect(await env.redis.zrange(env.keys.highClassDispatches("linux"), 0, -1)).toEqual(["7:1:100", "7:2:60", "7:3:100", "8:4"]);
  });

  it("forgets a finished job everywhere and frees its runner's load", async () => {
    await queue.enqueue(meta(4), '{"id":4}');
    await queue.reserve("linux", 4, "r-001", Date.now() + 10_000);
    await queue.collect("r-001");
    expect((await queue.projectLoad("linux")).get(1)).toBe(1);
    expect(await queue.forget("linux", 4)).toBe("r-001");
    expect((await queue.projectLoad("linux")).get(1)).toBe(0);
    expect(await queue.meta(4)).toBeNull();
    expect(await queue.payload(4)).toBeNull();
  });
});

describe("deploy order", () => {
  it("lets only the oldest held deploy to an environment be placed, and the next one once it is on a runner", async () => {
    const deploy = (jobId: number) => meta(jobId, { isDeploy: true, environment: "production", jobClass: "production-deploy", weight: 100 });
    await queue.enqueue(deploy(10), '{"id":10}');
    await queue.enqueue(deploy(11), '{"id":11}');
    await queue.enqueue(meta(12, { isDeploy: true, environment: "staging" }), '{"id":12}');
    expect(await queue.isOldestDeploy(deploy(11))).toBe(false);
    expect(await queue.isOldestDeploy(deploy(10))).toBe(true);
    expect(await queue.isOldestDeploy(meta(12, { isDeploy: true, environment: "staging" }))).toBe(true);
    await queue.reserve("linux", 10, "r-001", Date.now() + 10_000);
    const at10 = (await queue.collect("r-001"))!.handedAt;
    expect(await queue.isOldestDeploy(deploy(11))).toBe(true);
    await queue.undoHandoff(10, "r-001", at10);
    expect(await queue.isOldestDeploy(deploy(11))).toBe(false);
    await queue.forget("linux", 10);
    expect(await queue.isOldestDeploy(deploy(11))).toBe(true);
  });
});
