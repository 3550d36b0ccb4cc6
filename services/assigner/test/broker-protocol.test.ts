import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import type { JobOutcome } from "@switchyard/contracts";
import { runnerNumericId } from "@switchyard/runtime";
import { runnerClient } from "./runner-client.js";
import { runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner;

beforeEach(async () => {
  env = await createTestEnv("broker");
  sim = await startSim({ finalUpdateAcceptedTimes: 1, traceUpdateIntervalSeconds: 1 });
});
afterEach(async () => {
  await sy?.stop();
  await sim.close();
  await env.close();
});

/** Holds a poll open the way gitlab-runner does after its first 204. */
async function pollUntilJob(runner: ReturnType<typeof runnerClient>) {
  const first = await runner.requestJob();
  for (let version = first.lastUpdate; ;) {
    const res = await runner.requestJob(version);
    if (res.status === 201) return res;
    version = res.lastUpdate;
  }
}

describe("the broker speaks GitLab's runner protocol to gitlab-runner", () => {
  it("verifies known runner tokens and refuses unknown ones", async () => {
    sy = await startTestAssigner(env, sim.url, 1);
    const ok = await runnerClient(sy.brokerUrl, runnerToken(1)).verify();
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ id: runnerNumericId("r-001"), token: runnerToken(1) });
    expect((await runnerClient(sy.brokerUrl, "syr_unknown_token_0000000").verify()).status).toBe(403);
    expect((await runnerClient(sy.brokerUrl, "syr_unknown_token_0000000").requestJob()).status).toBe(403);
  });

  it("answers 204 with X-GitLab-Last-Update, then hands a job over a held long poll", async () => {
    sy = await startTestAssigner(env, sim.url, 1);
    const runner = runnerClient(sy.brokerUrl, runnerToken(1));
    const first = await runner.requestJob();
    expect(first.status).toBe(204);
    expect(first.lastUpdate).toBeTruthy();
    const held = runner.requestJob(first.lastUpdate);
    const jobId = sim.enqueueJob({ name: "build", stage: "build", tags: ["linux"], durationSeconds: 1 });
    const got = await held;
    expect(got.status).toBe(201);
    expect(got.contentType).toBe("application/json");
    expect(got.job?.id).toBe(jobId);
    expect(got.job?.token).toMatch(/^glcbt-/);
    expect(got.job?.git_info?.repo_url).toContain("gitlab-ci-token:");
    const vars = Object.fromEntries((got.job?.variables as { key: string; value: string }[]).map((v) => [v.key, v.value]));
    expect(vars.CI_JOB_ID).toBe(String(jobId));
    expect(vars.SWITCHYARD_DECISION).toMatch(/r-001/);
    expect(got.job?.job_info?.time_in_queue_seconds).toBeGreaterThanOrEqual(0);
    expect(sim.job(jobId)?.status).toBe("running");
  });

  it("streams job updates, trace patches with a 416 rewind, artifacts and the final 202 retry through to GitLab", async () => {
    sy = await startTestAssigner(env, sim.url, 1);
    const outcomes = env.collect(env.subjects.jobOutcomeAll);
    const runner = runnerClient(sy.brokerUrl, runnerToken(1));
    const polled = pollUntilJob(runner);
    const jobId = sim.enqueueJob({ name: "unit", stage: "test", tags: ["linux"] });
    const { job } = await polled;
    const token = job?.token as string;
    expect((await runner.updateJob(jobId, token, "running")).status).toBe(200);
    const p1 = await runner.patchTrace(jobId, token, 0, "hello");
    expect(p1.status).toBe(202);
    expect(p1.range).toBe("0-5");
    const wrong = await runner.patchTrace(jobId, token, 10, "world");
    expect(wrong.status).toBe(416);
    expect(wrong.range).toBe("0-5");
    expect((await runner.patchTrace(jobId, token, 5, " world")).status).toBe(202);
    expect(sim.job(jobId)?.traceSize).toBe(11);
    expect((await runner.uploadArtifact(jobId, token, Buffer.alloc(300_000, 7))).status).toBe(201);
    expect(sim.job(jobId)?.artifact?.size).toBe(300_000);
    const download = await runner.downloadArtifact(jobId, token);
    expect([302, 307]).toContain(download.status);
    expect(download.location).toContain("/sim-object-storage/");
    const accepted = await runner.updateJob(jobId, token, "success", { exit_code: 0 });
    expect(accepted.status).toBe(202);
    expect(accepted.interval).toBe("1");
    expect((await runner.updateJob(jobId, token, "success", { exit_code: 0 })).status).toBe(200);
    expect(sim.job(jobId)?.status).toBe("success");
    await outcomes.waitForCount(2);
    const [started, finished] = outcomes.json<JobOutcome>();
    expect(started).toMatchObject({ jobId, phase: "started", runnerId: "r-001", pool: "linux" });
    expect(finished).toMatchObject({ jobId, phase: "finished", status: "success", runnerId: "r-001" });
    expect(finished?.runSeconds).not.toBeNull();
  });

  it("finishes a job GitLab cancelled gracefully while Switchyard held it, then drops it", async () => {
    // Switchyard advertises cancel_gracefully, so GitLab (Ci::Build#cancel) moves the job to canceling and
    // waits for the runner's final update (Ci::HasStatus `drop`: canceling => canceled). GitLab 17.x.
    sy = await startTestAssigner(env, sim.url, 1, { SWITCHYARD_KEEP_ALIVE_INTERVAL_MS: "100" });
    const jobId = sim.enqueueJob({ name: "lint", tags: ["linux"] });
    // No runner asks: the look-ahead lets Switchyard hold the job anyway.
    await waitFor(async () => (await env.redis.zcard(env.keys.held("linux"))) === 1, { what: "job held" });
    const seen: string[] = [];
    sim.state.events.on("job", (c) => { if (c.id === jobId) seen.push(c.to); });
    sim.state.cancel(jobId);
    expect(seen).toEqual(["canceling"]);
    await waitFor(async () => (await env.redis.zcard(env.keys.held("linux"))) === 0, { what: "cancelled job dropped" });
    expect(await env.redis.zcard(env.keys.queue("linux"))).toBe(0);
    expect(sim.job(jobId)?.status).toBe("canceled");
  });

  it("fails a job held past the maximum with runner_system_failure so GitLab can retry it", async () => {
    sy = await startTestAssigner(env, sim.url, 1, { SWITCHYARD_MAX_HOLD_SECONDS: "1" });
    const jobId = sim.enqueueJob({ name: "lint", tags: ["linux"] });
    await waitFor(() => sim.job(jobId)?.status === "failed", { what: "job failed upstream", timeoutMs: 10_000 });
    expect(sim.job(jobId)?.failureReason).toBe("runner_system_failure");
    // GitLab's answer comes before Switchyard forgets the job: wait for that, don't race it.
    await waitFor(async () => (await env.redis.zcard(env.keys.held("linux"))) === 0, { what: "failed job forgotten" });
    expect(await env.redis.hexists(env.keys.jobs, String(jobId))).toBe(0);
  });

  it("answers malformed, unauthenticated and oversized requests with clear 4xx and keeps serving", async () => {
    sy = await startTestAssigner(env, sim.url, 1);
    const runner = runnerClient(sy.brokerUrl, runnerToken(1));
    const bad = await runner.raw("/api/v4/jobs/request", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/JSON/);
    const huge = await runner.raw("/api/v4/jobs/request", { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.alloc(2 << 20, 32) });
    expect(huge.status).toBe(413);
    expect((await runner.raw("/api/v4/nothing", { method: "GET" })).status).toBe(404);
    expect((await runner.raw("/api/v4/runners/router/discovery", { method: "GET" })).status).toBe(501);
    expect((await runner.requestJob()).status).toBe(204);
  });
});
