import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { runnerClient } from "./runner-client.js";
import { heldEvent, runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

// A hand-off no runner acknowledged is put back after handoffAckTimeoutMs. The acknowledgement is the
// runner's first job call seen by a broker; a broker killed after proxying those calls but before
// recording them loses it, though the runner has the job. GitLab still knows: its trace grew
// (PATCH /jobs/:id/trace, Ci::AppendBuildTraceService), or the job no longer runs.
const ACK_TIMEOUT_MS = 400;

let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner;

beforeEach(async () => {
  env = await createTestEnv("handoffack");
  sim = await startSim({});
  sy = await startTestAssigner(env, sim.url, 2, { SWITCHYARD_HANDOFF_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS), SWITCHYARD_SWEEP_INTERVAL_MS: "50" });
});
afterEach(async () => {
  await sy.stop();
  await sim.close();
  await env.close();
});

/** Takes one job from the broker as runner 1, the way gitlab-runner polls. */
async function takeJob(name: string): Promise<{ id: number; token: string }> {
  const runner = runnerClient(sy.brokerUrl, runnerToken(1));
  const first = await runner.requestJob();
  const held = first.status === 201 ? first : runner.requestJob(first.lastUpdate);
  const jobId = sim.enqueueJob({ name, tags: ["linux"] });
  const got = await held;
  expect(got.job?.id).toBe(jobId);
  return { id: jobId, token: got.job!.token as string };
}

describe("a hand-off whose acknowledgement was lost", () => {
  it("stays with its runner when GitLab shows the runner wrote the job's log; a truly unacknowledged one is requeued", async () => {
    const lost = await takeJob("acked-upstream");
    // The runner's calls reached GitLab without any broker recording them (as through a broker killed mid-way).
    const direct = runnerClient(sim.url, runnerToken(1));
    expect((await direct.updateJob(lost.id, lost.token, "running")).status).toBe(200);
    expect((await direct.patchTrace(lost.id, lost.token, 0, "Running with gitlab-runner\n")).status).toBe(202);
    const traceBefore = sim.job(lost.id)?.traceSize;

    const silent = await takeJob("never-acked");

    await waitFor(async () => (await heldEvent(sy, "handoff_unacked_requeued")) === 1 && (await heldEvent(sy, "handoff_acked_by_gitlab")) === 1,
      { what: "both hand-offs decided", timeoutMs: 15_000 });
    // The job the runner has is kept with it, acknowledged; asking GitLab wrote nothing to its log.
    expect(await env.redis.hget(env.keys.handoffs, String(lost.id))).toMatch(/^r-001\|\d+\|1$/);
    expect(sim.job(lost.id)?.traceSize).toBe(traceBefore);
    // The other is back in the queue and goes to the next runner that asks.
    expect(await env.redis.hexists(env.keys.handoffs, String(silent.id))).toBe(0);
    const other = runnerClient(sy.brokerUrl, runnerToken(2));
    const first = await other.requestJob();
    const next = first.status === 201 ? first : await other.requestJob(first.lastUpdate);
    expect(next.job?.id).toBe(silent.id);
  });

  it("is not handed out again when the job already ended in GitLab", async () => {
    const done = await takeJob("finished-upstream");
    const direct = runnerClient(sim.url, runnerToken(1));
    await direct.updateJob(done.id, done.token, "running");
    expect((await direct.updateJob(done.id, done.token, "success", { exit_code: 0 })).status).toBeLessThan(300);
    await waitFor(async () => (await heldEvent(sy, "handoff_acked_by_gitlab")) === 1, { what: "hand-off decided", timeoutMs: 15_000 });
    expect(await heldEvent(sy, "handoff_unacked_requeued")).toBe(0);
    expect(await env.redis.zcard(env.keys.queue("linux"))).toBe(0);
  });
});
