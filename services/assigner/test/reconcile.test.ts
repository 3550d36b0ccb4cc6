import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, deleteKeys, waitFor, type TestEnv } from "@switchyard/testing";
import type { JobOutcome } from "@switchyard/contracts";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { runnerClient } from "./runner-client.js";
import { ADMIN_TOKEN, runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner;
let patching = false;

beforeEach(async () => {
  env = await createTestEnv("reconcile");
  sim = await startSim({ traceUpdateIntervalSeconds: 1 });
});
afterEach(async () => {
  patching = false;
  await sy?.stop();
  await sim.close();
  await env.close();
});

async function pollUntilJob(runner: ReturnType<typeof runnerClient>) {
  for (let version: string | undefined; ;) {
    const res = await runner.requestJob(version);
    if (res.status === 201) return res.job as { id: number; token: string };
    version = res.lastUpdate;
  }
}

async function finish(runner: ReturnType<typeof runnerClient>, job: { id: number; token: string }) {
  // GitLab may answer a final update 202 (accepted, not yet done); gitlab-runner sends it again.
  await waitFor(async () => (await runner.updateJob(job.id, job.token, "success")).status === 200, { what: `job ${job.id} finished` });
}

describe("reconcile with GitLab after Redis lost the assigner's jobs", () => {
  it("cancels and retries the held jobs Redis forgot, runs each retry once, and leaves the job a runner is still running alone", async () => {
    sy = await startTestAssigner(env, sim.url, 2, {
      SWITCHYARD_GITLAB_API_TOKEN: ADMIN_TOKEN, SWITCHYARD_RECONCILE_INTERVAL_MS: "1000", SWITCHYARD_RECONCILE_GRACE_MS: "2000",
    });
    const outcomes = env.collect(env.subjects.jobOutcomeAll);
    const busy = runnerClient(sy.brokerUrl, runnerToken(1));
    const taken = pollUntilJob(busy);
    const running = sim.enqueueJob({ name: "still-running", tags: ["linux"] });
    const runningJob = await taken;
    expect(runningJob.id).toBe(running);
    // The runner keeps working: trace patches flow through the broker, as gitlab-runner's do.
    let offset = 0;
    patching = true;
    const patches = (async () => {
      while (patching) {
        const line = `line ${offset}\n`;
        await busy.patchTrace(running, runningJob.token, offset, line).catch(() => undefined);
        offset += line.length;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    // No runner asks: the pool's lookahead holds these two in Switchyard; GitLab sees them running.
    const held = [sim.enqueueJob({ name: "held-a", tags: ["linux"] }), sim.enqueueJob({ name: "held-b", tags: ["linux"] })];
    await waitFor(async () => (await env.redis.zcard(env.keys.held("linux"))) === 2, { what: "two jobs held" });
    expect(held.map((id) => sim.job(id)?.status)).toEqual(["running", "running"]);

    // Redis loses everything under the assigner's prefix (a FLUSHALL, scoped to this test).
    await deleteKeys(env.redis, `${env.keys.prefix}:*`);

    await waitFor(() => held.every((id) => sim.job(id)?.status === "canceled"), { timeoutMs: 15_000, what: "lost jobs cancelled" });
    const retries = await waitFor(() => {
      const fresh = sim.state.jobs().filter((j) => !held.includes(j.id) && j.id !== running);
      return fresh.length === 2 ? fresh.map((j) => j.id) : null;
    }, { timeoutMs: 15_000, what: "lost jobs retried" });
    expect(sim.state.jobs().filter((j) => retries.includes(j.id)).map((j) => j.spec.name).sort()).toEqual(["held-a", "held-b"]);

    // The retries enter Switchyard's queue like any job and are handed to the free runner, once each.
    const free = runnerClient(sy.brokerUrl, runnerToken(2));
    const handed: number[] = [];
    for (let i = 0; i < 2; i++) {
      const job = await pollUntilJob(free);
      handed.push(job.id);
      await finish(free, job);
    }
    expect(handed.sort()).toEqual([...retries].sort());
    expect(retries.map((id) => sim.job(id)?.status)).toEqual(["success", "success"]);

    // The job its runner kept calling for was never touched.
    expect(sim.job(running)?.status).toBe("running");
    patching = false;
    await patches;
    await finish(busy, runningJob);
    expect(sim.job(running)?.status).toBe("success");
    expect(sim.state.jobs()).toHaveLength(5);

    const metrics = await sy.rt.metrics.registry.getSingleMetricAsString("switchyard_reconciled_jobs_total");
    expect(metrics).toMatch(/switchyard_reconciled_jobs_total\{pool="linux",result="retried"[^}]*\} 2$/m);
    expect(metrics).toMatch(/switchyard_reconciled_jobs_total\{pool="linux",result="failed"[^}]*\} 0$/m);
    expect(metrics).toMatch(/switchyard_reconciled_jobs_total\{pool="linux",result="canceling"[^}]*\} 0$/m);

    // Each lost job's end is published too (issue 10 item 9): no runner, cancelled, its whole wait from
    // what GitLab says (queued_duration, Entities::Ci::JobBasic, plus the time since started_at).
    const lost = outcomes.json<JobOutcome>().filter((o) => held.includes(o.jobId));
    expect(lost.map((o) => o.jobId).sort()).toEqual([...held].sort());
    for (const o of lost) {
      expect(o).toMatchObject({ v: 2, runnerId: null, phase: "finished", status: "canceled", end: "reconcile-retried", runSeconds: null });
      expect(o.queueSeconds).toBeGreaterThan(1);
    }
  }, 60_000);

  it("forgets the hand-off of a job that ended in GitLab while Redis missed it, and keeps the one GitLab still runs", async () => {
    sy = await startTestAssigner(env, sim.url, 2, {
      SWITCHYARD_GITLAB_API_TOKEN: ADMIN_TOKEN, SWITCHYARD_RECONCILE_INTERVAL_MS: "1000", SWITCHYARD_RECONCILE_GRACE_MS: "2000",
    });
    const ended = runnerClient(sy.brokerUrl, runnerToken(1));
    const quiet = runnerClient(sy.brokerUrl, runnerToken(2));
    const takenA = pollUntilJob(ended);
    const a = sim.enqueueJob({ name: "ended-unseen", tags: ["linux"] });
    const jobA = await takenA;
    const takenB = pollUntilJob(quiet);
    const b = sim.enqueueJob({ name: "still-running-quietly", tags: ["linux"] });
    const jobB = await takenB;
    expect([jobA.id, jobB.id]).toEqual([a, b]);
    for (const [runner, job] of [[ended, jobA], [quiet, jobB]] as const) expect((await runner.updateJob(job.id, job.token, "running")).status).toBe(200);
    await waitFor(async () => (await env.redis.hlen(env.keys.handoffs)) === 2, { what: "both handed off" });
    const loadBefore = Number(await env.redis.hget(env.keys.runnerLoad, "r-001"));
    expect(loadBefore).toBe(1);
    expect(await env.redis.hget(env.keys.projectLoad("linux"), "1")).toBe("2");

    // Job A's final update reached GitLab while the broker could not write to Redis: GitLab has it
    // finished, Redis still holds its hand-off, job token and counters.
    sim.state.finish(sim.state.jobRecord(a)!, "success", null, 0);

    await waitFor(async () => (await env.redis.hexists(env.keys.handoffs, String(a))) === 0, { timeoutMs: 15_000, what: "stale hand-off forgotten" });
    expect(await env.redis.hexists(env.keys.jobs, String(a))).toBe(0); // the job token is gone
    expect(Number(await env.redis.hget(env.keys.runnerLoad, "r-001") ?? 0)).toBe(0);
    expect(await env.redis.hget(env.keys.projectLoad("linux"), "1")).toBe("1"); // fairness counts job B only
    // Job B's runner made no call since, but GitLab runs it: its record stays, and it is not touched.
    expect(await env.redis.hexists(env.keys.handoffs, String(b))).toBe(1);
    expect(sim.job(b)?.status).toBe("running");
    expect(sim.state.jobs()).toHaveLength(2);
    const metrics = await sy.rt.metrics.registry.getSingleMetricAsString("switchyard_reconciled_jobs_total");
    expect(metrics).toMatch(/switchyard_reconciled_jobs_total\{pool="linux",result="forgotten"[^}]*\} 1$/m);
    expect(metrics).toMatch(/switchyard_reconciled_jobs_total\{pool="linux",result="retried"[^}]*\} 0$/m);
    await finish(quiet, jobB);
  }, 60_000);
});
