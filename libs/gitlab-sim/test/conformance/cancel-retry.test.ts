// Reproduces what reconcile relies on to recover a job whose runner is gone:
// - lib/api/ci/runner.rb `post '/verify'`: answers Entities::Ci::RunnerRegistrationDetails, which carries the
//   registration's numeric `id` (used for GET /runners/:id/jobs);
// - lib/api/ci/runners.rb `get ':id/jobs'`: filtered by `status`, offset-paginated (X-Total, X-Next-Page);
// - lib/api/ci/jobs.rb `post ':id/jobs/:job_id/cancel'` (Ci::Build#cancel; `force` ends a canceling job,
//   Ci::Build#force_cancel, MR !179137) and `post ':id/jobs/:job_id/retry'` (Ci::RetryJobService#execute:
//   clones the job into a new pending one in the same pipeline; the old one keeps its status; a job that is
//   not Ci::Build#retryable? — not finished, or already retried — is refused with 403).
import { afterEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../../src/index.js";
import { ADMIN, RUNNERS, call, runningJob, startSim } from "../support.js";

let sim: SimulatedGitLab;
afterEach(async () => { await sim.close(); });

const rest = (path: string, method = "GET", body?: unknown) => call(`${sim.url}/api/v4${path}`, method, body, { "PRIVATE-TOKEN": ADMIN });

describe("conformance: verify id, running jobs per runner, cancel and retry (REST)", () => {
  it("answers verify with the registration's numeric id", async () => {
    sim = await startSim();
    const res = await call(`${sim.url}/api/v4/runners/verify`, "POST", { token: RUNNERS.linux.token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: RUNNERS.linux.id, token: RUNNERS.linux.token });
  });

  it("pages the running jobs of a runner", async () => {
    sim = await startSim();
    for (let i = 0; i < 3; i++) await runningJob(sim);
    const first = await rest(`/runners/${RUNNERS.linux.id}/jobs?status=running&per_page=2`);
    expect(first.json).toHaveLength(2);
    expect(first.headers.get("x-total")).toBe("3");
    expect(first.headers.get("x-next-page")).toBe("2");
    const second = await rest(`/runners/${RUNNERS.linux.id}/jobs?status=running&per_page=2&page=2`);
    expect(second.json).toHaveLength(1);
  });

  it("cancels a running job, retries it as a new pending job in the same pipeline, and refuses a second retry", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    const project = sim.job(job.id)!.projectId;
    expect((await rest(`/projects/${project}/jobs/${job.id}/retry`, "POST")).status).toBe(403); // running: not retryable
    const cancelled = await rest(`/projects/${project}/jobs/${job.id}/cancel`, "POST");
    expect(cancelled.status).toBe(201);
    expect(cancelled.json.status).toBe("canceled");
    const retried = await rest(`/projects/${project}/jobs/${job.id}/retry`, "POST");
    expect(retried.status).toBe(201);
    expect(retried.json).toMatchObject({ status: "pending", name: sim.job(job.id)!.name, pipeline: { id: sim.job(job.id)!.pipelineId } });
    expect(retried.json.id).not.toBe(job.id);
    expect(sim.job(job.id)?.status).toBe("canceled");
    expect((await rest(`/projects/${project}/jobs/${job.id}/retry`, "POST")).status).toBe(403); // already retried
  });

  it("force-cancels a canceling job so it can be retried", async () => {
    sim = await startSim();
    sim.enqueueJob({ name: "unit", tags: ["linux"] });
    const picked = await call(`${sim.url}/api/v4/jobs/request`, "POST", { token: RUNNERS.linux.token, info: { features: { cancel_gracefully: true } } });
    const id = (picked.json as { id: number }).id;
    const project = sim.job(id)!.projectId;
    expect((await rest(`/projects/${project}/jobs/${id}/cancel`, "POST")).json.status).toBe("canceling");
    expect((await rest(`/projects/${project}/jobs/${id}/retry`, "POST")).status).toBe(403);
    expect((await rest(`/projects/${project}/jobs/${id}/cancel`, "POST", { force: true })).json.status).toBe("canceled");
    expect((await rest(`/projects/${project}/jobs/${id}/retry`, "POST")).status).toBe(201);
  });
});
