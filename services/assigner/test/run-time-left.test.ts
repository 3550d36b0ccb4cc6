import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Decision, JobOutcome } from "@switchyard/contracts";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { runTimeLeft } from "../src/upstream/run-time-left.js";
import { startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

// Issue 10 item 5. GitLab's job token lives max(60 s, timeout) + 5 min from the pick (lib/ci/job_token/jwt.rb
// `expire_time`) and a PUT with an expired one fails the job as job_token_expired (lib/api/ci/runner.rb PUT
// /jobs/:id, authenticate_job!(fail_on_expired_token: true)); job_token_expired is no `retry:when` value
// (lib/gitlab/ci/config/entry/retry.rb), runner_system_failure is (Gitlab::Ci::Build::AutoRetry).
describe("run time left of a held job (pure)", () => {
  it.each([
    { timeout: 3600, heldS: 0, min: 300, tooLate: false },
    { timeout: 3600, heldS: 3299, min: 300, tooLate: false },
    { timeout: 3600, heldS: 3301, min: 300, tooLate: true },
    // A short job needs at most half its timeout, so it is placeable at all.
    { timeout: 120, heldS: 59, min: 300, tooLate: false },
    { timeout: 120, heldS: 61, min: 300, tooLate: true },
    // Without a timeout GitLab's token lives 60 s + the leeway for the final update.
    { timeout: null, heldS: 29, min: 300, tooLate: false },
    { timeout: null, heldS: 31, min: 300, tooLate: true },
  ])("timeout $timeout s held $heldS s → too late: $tooLate", ({ timeout, heldS, min, tooLate }) => {
    expect(runTimeLeft(timeout, heldS * 1000, min).tooLate).toBe(tooLate);
  });
});

describe("a held job whose token and timeout are nearly spent (simulated GitLab)", () => {
  let env: TestEnv;
  let sim: SimulatedGitLab;
  let sy: RunningAssigner;
  beforeEach(async () => {
    env = await createTestEnv("tokenleft");
    sim = await startSim({});
    // No downstream runner, the maximum hold far away: only the run time left can end the hold.
    sy = await startTestAssigner(env, sim.url, 0, { SWITCHYARD_SWEEP_INTERVAL_MS: "50" });
  });
  afterEach(async () => {
    await sy.stop();
    await sim.close();
    await env.close();
  });

  it("is failed upstream as runner_system_failure before its token expires, with a decision and an outcome saying why", async () => {
    const decisions = env.collect(env.subjects.decisionAll);
    const outcomes = env.collect(env.subjects.jobOutcomeAll);
    const jobId = sim.enqueueJob({ name: "short", tags: ["linux"], timeoutSeconds: 2 });
    await waitFor(() => sim.job(jobId)?.status === "failed", { what: "job failed upstream", timeoutMs: 10_000 });
    // Failed by Switchyard with a reason GitLab retries, not by GitLab's own token expiry.
    expect(sim.job(jobId)?.failureReason).toBe("runner_system_failure");
    await outcomes.waitForCount(1, 5_000);
    await decisions.waitForCount(1, 5_000);
    const [decision] = decisions.json<Decision>();
    expect(decision).toMatchObject({ jobId, runnerId: null, enforced: true, reasons: ["token-expiring"] });
    expect(decision!.rationale).toMatch(/not handed down: \d+ s of its timeout and job token left/);
    const [outcome] = outcomes.json<JobOutcome>();
    expect(outcome).toMatchObject({ v: 2, jobId, runnerId: null, status: "failed", failureReason: "runner_system_failure", end: "token-expiring", decisionId: decision!.decisionId });
    const events = (await sy.rt.metrics.registry.getSingleMetric("switchyard_held_job_events_total")?.get())?.values ?? [];
    expect(events.find((v) => v.labels.event === "token_expiring_failed")?.value).toBe(1);
  });

  it("measures the hold in GitLab's time when GitLab's clock runs faster (a simulated GitLab), so the token is not spent first", async () => {
    const fast = await startSim({ speed: 100 });
    const fastSy = await startTestAssigner(env, fast.url, 0, { SWITCHYARD_SWEEP_INTERVAL_MS: "50", SWITCHYARD_GITLAB_CLOCK_SPEED: "100" });
    try {
      // 600 s timeout: the token lives 900 simulated s = 9 real s; 300 s of run time are left after a 3 s hold.
      const jobId = fast.enqueueJob({ name: "timed", tags: ["linux"], timeoutSeconds: 600 });
      await waitFor(() => fast.job(jobId)?.status === "failed", { what: "job failed upstream", timeoutMs: 8_000 });
      expect(fast.job(jobId)?.failureReason).toBe("runner_system_failure");
    } finally {
      await fastSy.stop();
      await fast.close();
    }
  });
});
