// Job tokens expire (GitLab 18.x):
// - lib/ci/job_token/jwt.rb `expire_time` (and lib/ci/job_token/jwt/encode.rb): the JWT is encoded when the
//   job is picked and lives max(JSONWebToken::Token::DEFAULT_EXPIRE_TIME = 60 s, the job's timeout) + LEEWAY
//   (5 minutes, "so a job can POST its final state after it timed out");
// - app/finders/ci/auth_job_finder.rb `find_job_by_jwt`: an expired JWT raises ExpiredJobTokenError, before the
//   job's status is checked;
// - lib/api/ci/helpers/runner.rb `authenticate_job!(fail_on_expired_token:)`: every job call answers 403
//   "Job token has expired" with Job-Status; PUT /jobs/:id and PATCH /jobs/:id/trace (lib/api/ci/runner.rb,
//   fail_on_expired_token: true) also drop the job as `job_token_expired`, artifact uploads do not.
import { afterEach, describe, expect, it } from "vitest";
import { createManualClock, type SimulatedGitLab } from "../../src/index.js";
import { RUNNERS, call, requestJob, startSim } from "../support.js";

let sim: SimulatedGitLab;
afterEach(async () => { await sim.close(); });

async function pick(spec: Record<string, unknown>): Promise<{ id: number; token: string }> {
  sim.enqueueJob({ name: "t", tags: ["linux"], ...spec });
  return (await requestJob(sim, RUNNERS.linux.token)).json as { id: number; token: string };
}
const put = (id: number, body: Record<string, unknown>) => call(`${sim.url}/api/v4/jobs/${id}`, "PUT", body);
const patchTrace = (id: number, token: string) =>
  call(`${sim.url}/api/v4/jobs/${id}/trace`, "PATCH", "x", { "JOB-TOKEN": token, "Content-Range": "0-0", "Content-Type": "text/plain" });

describe("conformance: job tokens expire at timeout + 5 minutes from the pick", () => {
  it("accepts updates until timeout + 5 min, then fails the job as job_token_expired on the next PUT", async () => {
    const clock = createManualClock();
    sim = await startSim({ clock, staleCheckIntervalMs: 60_000 });
    const job = await pick({ timeoutSeconds: 600 });
    clock.advance(15 * 60_000 - 1);
    expect((await put(job.id, { token: job.token, state: "running" })).status).toBe(200);
    clock.advance(1);
    const expired = await put(job.id, { token: job.token, state: "success" });
    expect(expired.status).toBe(403);
    expect(expired.text).toMatch(/Job token has expired/);
    expect(expired.headers.get("job-status")).toBe("failed");
    expect(sim.job(job.id)).toMatchObject({ status: "failed", failureReason: "job_token_expired" });
  });

  it("fails the job on a trace patch with an expired token too, but not on an artifact upload", async () => {
    const clock = createManualClock();
    sim = await startSim({ clock, staleCheckIntervalMs: 60_000 });
    const uploaded = await pick({ timeoutSeconds: 600 });
    const patched = await pick({ timeoutSeconds: 600 });
    clock.advance(15 * 60_000);
    const upload = await call(`${sim.url}/api/v4/jobs/${uploaded.id}/artifacts`, "POST", "x", { "JOB-TOKEN": uploaded.token, "Content-Type": "text/plain" });
    expect(upload.status).toBe(403);
    expect(upload.headers.get("job-status")).toBe("running");
    expect(sim.job(uploaded.id)?.status).toBe("running");
    const trace = await patchTrace(patched.id, patched.token);
    expect(trace.status).toBe(403);
    expect(trace.headers.get("job-status")).toBe("failed");
    expect(sim.job(patched.id)).toMatchObject({ status: "failed", failureReason: "job_token_expired" });
  });

  it("gives a job sent without a timeout the 60 s default, and a short timeout no less", async () => {
    const clock = createManualClock();
    sim = await startSim({ clock, staleCheckIntervalMs: 60_000 });
    const untimed = await pick({ nullFields: ["runner_info.timeout"] });
    const short = await pick({ timeoutSeconds: 10 });
    clock.advance(6 * 60_000 - 1);
    expect((await put(untimed.id, { token: untimed.token, state: "running" })).status).toBe(200);
    expect((await put(short.id, { token: short.token, state: "running" })).status).toBe(200);
    clock.advance(1);
    expect((await put(untimed.id, { token: untimed.token, state: "running" })).status).toBe(403);
    expect(sim.job(untimed.id)?.failureReason).toBe("job_token_expired");
  });
});
