// An undo names the hand-off it was decided on (runner and time), never "whatever hand-off this runner
// has now". Two held keepers (one per broker replica) both judged a job's unacknowledged hand-off, the
// first undid it and the job went to the same runner again, and the second's undo, decided on the first
// hand-off while it asked GitLab, took the job from that runner: the job ran twice (broker-chaos).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Counter } from "prom-client";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createDispatchQueue, type DispatchQueue, type HeldJobMeta, type RunnerPoll } from "../src/queue/dispatch-queue.js";
import { createHandoffs } from "../src/queue/handoffs.js";
import { startHeldKeeper, type HeldKeeper } from "../src/upstream/held-keeper.js";
import type { GitLabRunnerApi, TraceProbeResult } from "../src/upstream/gitlab-runner-api.js";

const T1 = 1_700_000_000_000;
const ACK_TIMEOUT_MS = 20_000;

let env: TestEnv;
let queue: DispatchQueue;
const keepers: HeldKeeper[] = [];
beforeEach(async () => { env = await createTestEnv("undo-race"); queue = createDispatchQueue(env.redis, env.keys); });
afterEach(async () => { for (const k of keepers.splice(0)) k.stop(); await env.close(); });

const meta = (jobId: number): HeldJobMeta => ({
  jobId, pool: "linux", projectId: 1, pipelineId: 1, jobClass: "default", weight: 20, tier: "autonomous",
  environment: null, environmentTier: null, environmentAction: null, isDeploy: false, name: "j", stage: "test",
  ref: "main", protectedRef: false, pipelineSource: "push", projectPath: "g/p", timeoutSeconds: 3600,
  arrivedAt: T1 - 1_000, fifoSeq: jobId, queueKey: 1_000 + jobId, gitlabQueueSeconds: 0, projectJobsRunning: "0",
});
const payload = (id: number) => JSON.stringify({
  id, token: `job-token-${id}`, job_info: { name: "j", stage: "test", project_id: 1, project_name: "p" },
  git_info: { ref: "main" }, runner_info: { timeout: 3600 }, variables: [],
});
const poll = (pollId: string): RunnerPoll => ({ pool: "linux", runnerId: "r-001", systemId: "s_1", pollId });
/** A collect at a given time, as a broker at that moment would record it. */
const collectAt = (at: number, p: RunnerPoll) => createHandoffs(env.redis, env.keys, () => at).collect(p.runnerId, p);

/** GitLab as the keepers see it: the job runs with an empty log (nobody has written to it yet). */
function gitlab(probe: () => Promise<TraceProbeResult>): GitLabRunnerApi {
  return {
    traceSize: probe,
    updateJob: async () => ({ status: 200, jobStatus: "running" }),
    requestJob: () => { throw new Error("not used"); },
    verifyRunner: () => { throw new Error("not used"); },
    close: async () => undefined,
  } as GitLabRunnerApi;
}
const emptyLog = async (): Promise<TraceProbeResult> => ({ status: 202, jobStatus: "running", size: 0 });

function keeper(api: GitLabRunnerApi, now: () => number): HeldKeeper {
  const k = startHeldKeeper({
    queue, api, pools: ["linux"], log: createLogger({ name: "undo-race", level: "silent" }),
    keepAliveIntervalMs: 1_000, maxHoldMs: 3_600_000, minRunSecondsLeft: 0, handoffAckTimeoutMs: ACK_TIMEOUT_MS,
    pollFreshMs: 10_000, sweepIntervalMs: 3_600_000, events: new Counter({ name: "undo_race_events", help: "h", labelNames: ["event"], registers: [] }),
    onDropped: async () => undefined, onRequeued: () => undefined, now,
  });
  keepers.push(k);
  return k;
}

describe("undoing an unacknowledged hand-off", () => {
  it("leaves the job with the runner when it was collected again since the undo was decided (two keepers)", async () => {
    await queue.enqueue(meta(1), payload(1));
    await queue.reserve("linux", 1, "r-001", T1 + 2_000);
    // The broker that collected it died before answering: nobody has the job.
    expect((await collectAt(T1, poll("dead:1")))?.jobId).toBe(1);
    const now = () => T1 + ACK_TIMEOUT_MS + 10_000;

    // Replica B's keeper asks GitLab about the hand-off; its answer is slow.
    let answer: () => void = () => undefined;
    let asked: () => void = () => undefined;
    const probed = new Promise<void>((r) => { asked = r; });
    const sweepB = keeper(gitlab(() => {
      asked();
      return new Promise((r) => { answer = () => r({ status: 202, jobStatus: "running", size: 0 }); });
    }), now).sweep();
    await probed;
    // Meanwhile replica A's keeper undoes it, and the job goes to the same runner again, which gets it.
    await keeper(gitlab(emptyLog), now).sweep();
    expect(await queue.depth("linux")).toBe(1);
    await queue.reserve("linux", 1, "r-001", now() + 2_000);
    const again = await collectAt(now(), poll("live:7"));
    expect(again?.jobId).toBe(1);

    // B's answer arrives: the hand-off it judged is gone, and the runner's new one must stay.
    answer();
    await sweepB;
    expect(await queue.handoffOf(1)).toMatchObject({ runnerId: "r-001", at: again!.handedAt, acked: false });
    expect(await queue.depth("linux")).toBe(0);
    expect(await queue.reserve("linux", 1, "r-002", now() + 2_000)).toBe(false);
  });

  it("undoes only the hand-off it names", async () => {
    await queue.enqueue(meta(2), payload(2));
    await queue.reserve("linux", 2, "r-001", T1 + 2_000);
    const first = await collectAt(T1, poll("b:1"));
    expect(await queue.undoHandoff(2, "r-001", first!.handedAt)).toBe(true);
    await queue.reserve("linux", 2, "r-001", T1 + 30_000);
    const second = await collectAt(T1 + 25_000, poll("b:2"));
    expect(await queue.undoHandoff(2, "r-001", first!.handedAt)).toBe(false);
    expect(await queue.handoffOf(2)).toMatchObject({ runnerId: "r-001", at: second!.handedAt });
    expect(await queue.undoHandoff(2, "r-001", second!.handedAt)).toBe(true);
  });

  it("a re-sent collect returns nothing once its job was undone and collected by another poll of the runner", async () => {
    await queue.enqueue(meta(3), payload(3));
    await queue.reserve("linux", 3, "r-001", T1 + 2_000);
    const first = await collectAt(T1, poll("b:1"));
    await queue.undoHandoff(3, "r-001", first!.handedAt);
    await queue.reserve("linux", 3, "r-001", T1 + 30_000);
    expect((await collectAt(T1 + 25_000, poll("b:2")))?.jobId).toBe(3);
    // poll b:1's collect sent again: b:2 has the job, b:1 must not answer with it too.
    expect(await collectAt(T1 + 25_001, poll("b:1"))).toBeNull();
  });
});
