// A collect whose answer is lost with its connection is sent again by ioredis on reconnect
// (autoResendUnfulfilledCommands): the poll's marker makes that second run return the same job,
// where it used to take the runner's next reservation and leave the first hand-off to the ack timeout.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createDispatchQueue, type DispatchQueue, type HeldJobMeta, type RunnerPoll } from "../src/queue/dispatch-queue.js";

let env: TestEnv;
let queue: DispatchQueue;
beforeEach(async () => { env = await createTestEnv("collect-retry"); queue = createDispatchQueue(env.redis, env.keys); });
afterEach(async () => { await env.close(); });

const meta = (jobId: number): HeldJobMeta => ({
  jobId, pool: "linux", projectId: 1, pipelineId: 1, jobClass: "default", weight: 20, tier: "autonomous",
  environment: null, environmentTier: null, environmentAction: null, isDeploy: false, name: "j", stage: "test",
  ref: "main", protectedRef: false, pipelineSource: "push", projectPath: "g/p", timeoutSeconds: 3600,
  arrivedAt: 1_000 + jobId, fifoSeq: jobId, queueKey: 1_000 + jobId, gitlabQueueSeconds: 0, projectJobsRunning: "0",
});
const poll = (pollId: string): RunnerPoll => ({ pool: "linux", runnerId: "r-001", systemId: "s_1", pollId });

describe("a collect sent again", () => {
  it("returns the job the poll already collected, and leaves the runner's next reservation for its next poll", async () => {
    for (const id of [1, 2]) {
      await queue.enqueue(meta(id), `{"id":${id}}`);
      expect(await queue.reserve("linux", id, "r-001", Date.now() + 60_000)).toBe(true);
    }
    const first = await queue.collect("r-001", poll("b:1"));
    const again = await queue.collect("r-001", poll("b:1"));
    expect(first?.jobId).toBe(1);
    expect(again).toEqual(first);
    expect(await env.redis.hget(env.keys.runnerLoad, "r-001")).toBe("1");
    expect(await queue.projectLoad("linux")).toEqual(new Map([[1, 1]]));
    expect((await queue.collect("r-001", poll("b:2")))?.jobId).toBe(2);
  });

  it("returns nothing once the job is no longer this runner's (undone, or ended)", async () => {
    await queue.enqueue(meta(3), '{"id":3}');
    await queue.reserve("linux", 3, "r-001", Date.now() + 60_000);
    const first = await queue.collect("r-001", poll("b:3"));
    expect(first?.jobId).toBe(3);
    expect(await queue.undoHandoff(3, "r-001", first!.handedAt)).toBe(true);
    expect(await queue.collect("r-001", poll("b:3"))).toBeNull();
    expect(await queue.depth("linux")).toBe(1);
  });
});
