// Simulates GitLab 18.x: a 503 Service Unavailable from the front of GitLab (Workhorse / load balancer) during an outage,
// with Retry-After; gitlab-runner network/retry_requester.go waits Retry-After before the next request.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../../src/index.js";
import { ADMIN, RUNNERS, call, requestJob, startSim } from "../support.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim({ longPollMs: 0 }); });
afterEach(async () => { await sim.close(); });

const fault = (body: unknown) => call(`${sim.url}/sim/faults/jobs-request`, "PUT", body, { "PRIVATE-TOKEN": ADMIN });

describe("POST /jobs/request answers 503 when the admin knob says so", () => {
  it("answers 503 while the fault lasts, then hands out jobs again", async () => {
    const id = sim.enqueueJob({ name: "build", stage: "build", tags: ["linux"], durationSeconds: 1 });
    expect((await fault({ status: 503, retryAfterSeconds: 5, times: 1 })).status).toBe(200);
    const refused = await requestJob(sim, RUNNERS.linux.token);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(sim.job(id)?.status).toBe("pending");
    expect((await call(`${sim.url}/sim/faults/jobs-request`, "DELETE", undefined, { "PRIVATE-TOKEN": ADMIN })).status).toBe(204);
    const picked = await requestJob(sim, RUNNERS.linux.token);
    expect(picked.status).toBe(201);
    expect(picked.json.id).toBe(id);
    const stats = await call(`${sim.url}/sim/stats`, "GET", undefined, { "PRIVATE-TOKEN": ADMIN });
    expect(stats.json.jobRequests).toBe(2);
  });

  it("refuses the knob without the admin token and with an unknown status", async () => {
    expect((await call(`${sim.url}/sim/faults/jobs-request`, "PUT", { status: 503, retryAfterSeconds: 5, times: 1 })).status).toBe(401);
    expect((await fault({ status: 418 })).status).toBe(400);
  });
});
