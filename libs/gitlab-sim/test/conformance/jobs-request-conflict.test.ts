// Simulates GitLab 18.x: lib/api/ci/runner.rb POST /jobs/request calls acquire_ci_job!, which answers 409 Conflict when
// Ci::RegisterJobService#execute (app/services/ci/register_job_service.rb) returns an invalid result: another runner won
// the build, or the queue read came from a lagging replica. gitlab-runner network/gitlab.go RequestJob treats it as a failure.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../../src/index.js";
import { ADMIN, RUNNERS, call, requestJob, startSim } from "../support.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim({ longPollMs: 0 }); });
afterEach(async () => { await sim.close(); });

const fault = (body: unknown) => call(`${sim.url}/sim/faults/jobs-request`, "PUT", body, { "PRIVATE-TOKEN": ADMIN });

describe("POST /jobs/request answers 409 when the admin knob says so", () => {
  it("answers 409 while the fault lasts, then hands out jobs again", async () => {
    const id = sim.enqueueJob({ name: "build", stage: "build", tags: ["linux"], durationSeconds: 1 });
    expect((await fault({ status: 409 })).status).toBe(200);
    const refused = await requestJob(sim, RUNNERS.linux.token);
    expect(refused.status).toBe(409);
    expect(refused.json.message).toBe("409 Conflict");
    expect(refused.headers.get("retry-after")).toBeNull();
    expect(sim.job(id)?.status).toBe("pending");
    expect((await call(`${sim.url}/sim/faults/jobs-request`, "DELETE", undefined, { "PRIVATE-TOKEN": ADMIN })).status).toBe(204);
    const picked = await requestJob(sim, RUNNERS.linux.token);
    expect(picked.status).toBe(201);
    expect(picked.json.id).toBe(id);
    const stats = await call(`${sim.url}/sim/stats`, "GET", undefined, { "PRIVATE-TOKEN": ADMIN });
    expect(stats.json.jobRequests).toBe(2);
  });

  it("refuses the knob without the admin token and with an unknown status", async () => {
    expect((await call(`${sim.url}/sim/faults/jobs-request`, "PUT", { status: 409 })).status).toBe(401);
    expect((await fault({ status: 418 })).status).toBe(400);
  });
});
