// GitLab's jobs/request entities expose unset columns as JSON null (gitlabhq
// lib/api/entities/ci/job_request/job_info.rb `time_in_queue_seconds`, runner_info.rb
// `expose :timeout_value, as: :timeout`, git_info.rb `ref`). A job with such a field must still be held
// and handed down; a body that cannot be used at all is failed in GitLab at once (it is `running` there).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { GitLabJobPayload, rewriteForHandoff } from "../src/protocol/job-payload.js";
import { createIntake, failUnreadable } from "../src/upstream/intake.js";
import type { GitLabRunnerApi } from "../src/upstream/gitlab-runner-api.js";
import type { DispatchQueue } from "../src/queue/dispatch-queue.js";
import type { JobClassifier } from "../src/deciding/job-classifier.js";
import { runnerClient } from "./runner-client.js";
import { runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

const silent = createLogger({ name: "t", level: "silent" });

describe("GitLab job payloads with null fields", () => {
  it.each([
    ["job_info.time_in_queue_seconds", { job_info: { name: "a", stage: "b", project_id: 1, time_in_queue_seconds: null } }],
    ["runner_info.timeout", { runner_info: { timeout: null, runner_session_url: null } }],
    ["git_info.ref", { git_info: { ref: null, protected: null } }],
    ["job_info.project_jobs_running_on_instance_runners_count", { job_info: { project_jobs_running_on_instance_runners_count: null } }],
    ["a variable's value", { variables: [{ key: "EMPTY", value: null, public: true }] }],
    ["variables", { variables: null }],
  ])("accepts %s as null", (_field, extra) => {
    const parsed = GitLabJobPayload.safeParse({ id: 7, token: "glcbt-x", job_info: { name: "a", stage: "b", project_id: 1 }, ...extra });
    expect(parsed.success).toBe(true);
  });

  it("rewrites a payload whose queue time and timeout are null without inventing a timeout", () => {
    const raw = JSON.stringify({ id: 7, token: "t", job_info: { time_in_queue_seconds: null }, runner_info: { timeout: null }, variables: [] });
    const out = JSON.parse(rewriteForHandoff(raw, 2.5, "rule: r-001")) as Record<string, any>;
    expect(out.job_info.time_in_queue_seconds).toBe(2.5);
    expect(out.runner_info.timeout).toBeNull();
    // gitlab-runner common/variables.go JobVariable.Raw: a raw variable's `$` is never expanded.
    expect(out.variables).toContainEqual({ key: "SWITCHYARD_DECISION", value: "rule: r-001", public: true, masked: false, raw: true });
  });

  it("reports a body it cannot use with the job's id and token, and failUnreadable fails it as runner_system_failure", async () => {
    const unreadable: [string, unknown][] = [];
    const intake = createIntake({
      queue: {} as DispatchQueue, classifier: {} as JobClassifier, log: silent,
      onUnreadable: (reason, job) => unreadable.push([reason, job]),
    });
    expect(await intake("linux", JSON.stringify({ id: 9, token: "glcbt-9", job_info: { project_id: "seven" } }))).toBeNull();
    expect(await intake("linux", "{not json")).toBeNull();
    expect(unreadable).toEqual([
      [expect.stringMatching(/job_info\.project_id/), { id: 9, token: "glcbt-9" }],
      ["job body is not JSON", null],
    ]);
    const calls: unknown[][] = [];
    const api = { updateJob: async (...args: unknown[]) => { calls.push(args); return { status: 200, jobStatus: "failed" }; } } as unknown as GitLabRunnerApi;
    failUnreadable(api, silent, "bad", { id: 9, token: "glcbt-9" });
    await waitFor(() => calls.length === 1, { what: "job failed upstream" });
    expect(calls[0]).toEqual([9, "glcbt-9", "failed", "runner_system_failure"]);
  });
});

describe("the broker holds and hands down a job GitLab sent with null fields", () => {
  let env: TestEnv;
  let sim: SimulatedGitLab;
  let sy: RunningAssigner | undefined;
  beforeEach(async () => {
    env = await createTestEnv("nulls");
    sim = await startSim();
  });
  afterEach(async () => {
    await sy?.stop();
    await sim.close();
    await env.close();
  });

  it("hands the job to the asking runner with GitLab's nulls intact (and its queue time filled in)", async () => {
    sy = await startTestAssigner(env, sim.url, 1);
    const runner = runnerClient(sy.brokerUrl, runnerToken(1));
    const jobId = sim.enqueueJob({ name: "odd", tags: ["linux"], nullFields: ["job_info.time_in_queue_seconds", "runner_info.timeout", "git_info.ref"] });
    let got = await runner.requestJob();
    while (got.status !== 201) got = await runner.requestJob(got.lastUpdate);
    expect(got.job?.id).toBe(jobId);
    expect(got.job?.runner_info.timeout).toBeNull();
    expect(got.job?.git_info.ref).toBeNull();
    expect(typeof got.job?.job_info.time_in_queue_seconds).toBe("number");
    expect(sim.job(jobId)?.status).toBe("running");
  });
});
