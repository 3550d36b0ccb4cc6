import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../src/index.js";
import { RUNNERS, call, requestJob, startSim } from "./support.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim(); });
afterEach(async () => { await sim.close(); });

const vars = (payload: any) => Object.fromEntries((payload.variables as { key: string; value: string }[]).map((v) => [v.key, v.value]));

describe("runner protocol: verify and jobs/request", () => {
  it("verifies a known runner token with its id and refuses an unknown one with 403", async () => {
    const ok = await call(`${sim.url}/api/v4/runners/verify`, "POST", { token: RUNNERS.linux.token, system_id: "s_1" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("application/json");
    expect(ok.json).toEqual({ id: 1, token: RUNNERS.linux.token, token_expires_at: null });
    expect((await call(`${sim.url}/api/v4/runners/verify`, "POST", { token: "glrt-nope" })).status).toBe(403);
  });

  it("answers 204 with an X-GitLab-Last-Update when no job matches, and 403 for an unknown token", async () => {
    const none = await requestJob(sim, RUNNERS.linux.token);
    expect(none.status).toBe(204);
    expect(none.headers.get("x-gitlab-last-update")).toMatch(/^[0-9a-f]{16}$/);
    expect((await requestJob(sim, "glrt-unknown")).status).toBe(403);
  });

  it("accepts the runner token from the RUNNER-TOKEN header", async () => {
    const res = await call(`${sim.url}/api/v4/jobs/request`, "POST", { info: {} }, { "RUNNER-TOKEN": RUNNERS.linux.token });
    expect(res.status).toBe(204);
  });

  it("hands out a job as a 201 JSON payload shaped like GitLab's and marks it running", async () => {
    const id = sim.enqueueJob({
      name: "deploy-production", stage: "deploy", projectId: 7, projectPath: "grp/app", protected: true, tags: ["linux"],
      environment: { name: "production", tier: "production", action: "start" }, durationSeconds: 42, outcome: "failed",
    });
    const res = await requestJob(sim, RUNNERS.linux.token);
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/json");
    const p = res.json;
    expect(p.id).toBe(id);
    expect(p.token).toMatch(/^glcbt-64_/);
    expect(p.allow_git_fetch).toBe(true);
    expect(p.job_info).toMatchObject({ id, name: "deploy-production", stage: "deploy", project_id: 7, project_name: "app", project_jobs_running_on_instance_runners_count: "0" });
    expect(typeof p.job_info.time_in_queue_seconds).toBe("number");
    expect(p.git_info).toMatchObject({ ref: "main", ref_type: "branch", protected: true, refspecs: ["+refs/heads/main:refs/remotes/origin/main"] });
    expect(p.git_info.repo_url).toContain(`gitlab-ci-token:${p.token}@`);
    expect(p.runner_info.timeout).toBe(3600);
    for (const key of ["steps", "image", "services", "artifacts", "cache", "credentials", "dependencies"]) expect(p).toHaveProperty(key);
    expect(p.features.failure_reasons).toContain("runner_unsupported");
    const v = vars(p);
    expect(v).toMatchObject({
      CI_JOB_ID: String(id), CI_JOB_NAME: "deploy-production", CI_JOB_STAGE: "deploy", CI_PROJECT_ID: "7", CI_PROJECT_PATH: "grp/app",
      CI_PIPELINE_SOURCE: "push", CI_COMMIT_REF_NAME: "main", CI_COMMIT_BRANCH: "main", CI_DEFAULT_BRANCH: "main",
      CI_COMMIT_REF_PROTECTED: "true", CI_SERVER_URL: sim.url, CI_ENVIRONMENT_NAME: "production", CI_ENVIRONMENT_SLUG: "production",
      CI_ENVIRONMENT_TIER: "production", CI_ENVIRONMENT_ACTION: "start", SIM_JOB_DURATION_SECONDS: "42", SIM_JOB_OUTCOME: "failed",
    });
    expect(v.CI_PIPELINE_ID).toMatch(/^\d+$/);
    expect(p.variables.find((x: any) => x.key === "CI_JOB_TOKEN")).toMatchObject({ value: p.token, masked: true, public: false });
    expect(sim.job(id)).toMatchObject({ status: "running", runnerId: 1 });
    expect(sim.job(id)?.startedAt).not.toBeNull();
  });

  it("answers 204 to a paused runner even when a matching job is pending", async () => {
    sim.setPaused(1, true);
    sim.enqueueJob({ name: "lint", tags: ["linux"] });
    const res = await requestJob(sim, RUNNERS.linux.token);
    expect(res.status).toBe(204);
    expect(res.headers.get("x-gitlab-last-update")).toBeTruthy();
  });

  it("holds a request whose last_update is current and releases it with 204 when a matching job is queued", async () => {
    const first = await requestJob(sim, RUNNERS.linux.token);
    const version = first.headers.get("x-gitlab-last-update")!;
    sim.knobs.longPollMs = 20_000;
    let settled = false;
    const held = requestJob(sim, RUNNERS.linux.token, { last_update: version }).then((r) => { settled = true; return r; });
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    sim.enqueueJob({ name: "unit", tags: ["linux"] });
    const released = await held;
    expect(released.status).toBe(204);
    const next = await requestJob(sim, RUNNERS.linux.token, { last_update: version });
    expect(next.status).toBe(201);
  });

  it("does not wake a held request for a job the runner cannot take", async () => {
    const version = (await requestJob(sim, RUNNERS.linux.token)).headers.get("x-gitlab-last-update")!;
    sim.knobs.longPollMs = 300;
    const before = await requestJob(sim, RUNNERS.linux.token, { last_update: version });
    expect(before.status).toBe(204);
    sim.enqueueJob({ name: "cuda", tags: ["gpu"] });
    const after = await requestJob(sim, RUNNERS.linux.token, { last_update: version });
    expect(after.status).toBe(204);
    expect(sim.state.queueVersion(1)).toBe(version);
  });
});
