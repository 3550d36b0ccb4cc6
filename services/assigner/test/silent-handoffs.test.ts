import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobOutcome } from "@switchyard/contracts";
import { createManualClock, type ManualClock, type SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { runnerClient } from "./runner-client.js";
import { heldEvent, runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

// Issue 10 item 8. A runner that dies mid-job sends no final update; GitLab ends the job itself
// (app/services/ci/stuck_builds/drop_running_service.rb: no update for 30 minutes → failed,
// no_updates_running, GitLab 18.x). Switchyard learns that end by asking with the job's token: an empty
// trace PATCH, which lib/api/ci/runner.rb answers 403 with Job-Status once the job no longer runs and
// which touches no build (app/services/ci/append_build_trace_service.rb), so asking never keeps it alive.
let env: TestEnv;
let clock: ManualClock;
let sim: SimulatedGitLab;
let sy: RunningAssigner;

beforeEach(async () => {
  env = await createTestEnv("silent");
  clock = createManualClock(Date.now());
  sim = await startSim({ clock, staleCheckIntervalMs: 20 });
  sy = await startTestAssigner(env, sim.url, 1, { SWITCHYARD_SILENT_HANDOFF_MS: "300", SWITCHYARD_SILENT_HANDOFF_CHECK_MS: "100" });
});
afterEach(async () => {
  await sy.stop();
  await sim.close();
  await env.close();
});

describe("a job whose runner went silent", () => {
  it("is forgotten, with its load freed and its outcome published, once GitLab ended it, and not before", async () => {
    const outcomes = env.collect(env.subjects.jobOutcomeAll);
    const runner = runnerClient(sy.brokerUrl, runnerToken(1));
    const first = await runner.requestJob();
    const polled = first.status === 201 ? first : runner.requestJob(first.lastUpdate);
    const jobId = sim.enqueueJob({ name: "orphaned", tags: ["linux"] });
    const job = (await polled).job as { id: number; token: string };
    expect(job.id).toBe(jobId);
    expect((await runner.updateJob(jobId, job.token, "running")).status).toBe(200);
    // The runner dies here. While GitLab still runs the job, asking leaves the job and its load alone.
    const probes = await heldEvent(sy, "silent_handoff_probed");
    await waitFor(async () => (await heldEvent(sy, "silent_handoff_probed")) >= probes + 2, { what: "the silent job asked about twice" });
    expect(await env.redis.hexists(env.keys.handoffs, String(jobId))).toBe(1);
    expect(await env.redis.hget(env.keys.runnerLoad, "r-001")).toBe("1");
    expect(Object.values(await env.redis.hgetall(env.keys.projectLoad("linux")))).toEqual(["1"]);
    expect(sim.job(jobId)?.status).toBe("running");

    clock.advance(31 * 60_000); // GitLab's stale-job rule ends it
    await waitFor(() => sim.job(jobId)?.status === "failed", { what: "GitLab dropped the job" });
    expect(sim.job(jobId)?.failureReason).toBe("no_updates_running");

    await waitFor(async () => (await env.redis.hexists(env.keys.handoffs, String(jobId))) === 0, { what: "hand-off forgotten" });
    expect(await env.redis.hget(env.keys.runnerLoad, "r-001")).toBe("0");
    expect(Object.values(await env.redis.hgetall(env.keys.projectLoad("linux")))).toEqual(["0"]);
    expect(await env.redis.hexists(env.keys.jobs, String(jobId))).toBe(0);
    await outcomes.waitForCount(2);
    const finished = outcomes.json<JobOutcome>().find((o) => o.phase === "finished");
    expect(finished).toMatchObject({ v: 2, jobId, runnerId: "r-001", status: "failed", end: "runner-silent", runSeconds: null });
    expect(await heldEvent(sy, "silent_handoff_ended")).toBe(1);
  });
});
