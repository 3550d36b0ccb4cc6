// Simulates GitLab 18.x: a 503 Service Unavailable from the front of GitLab (Workhorse / load balancer) during an outage,
// with Retry-After; gitlab-runner network/retry_requester.go waits Retry-After before the next request.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../../src/index.js";
import { startSim } from "../support.js";
import { expectFaultThenRecovery, setJobsRequestFault } from "./fault-cycle.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim({ longPollMs: 0 }); });
afterEach(async () => { await sim.close(); });

const fault = (body: unknown) => setJobsRequestFault(sim, body);

describe("POST /jobs/request answers 503 when the admin knob says so", () => {
  it("answers 503 while the fault lasts, then hands out jobs again", async () => {
    await expectFaultThenRecovery(sim, { status: 503, retryAfterSeconds: 5, times: 1 }, (refused) => {
      expect(refused.headers.get("retry-after")).toBe("5");
    });
  });

  it("refuses the knob without the admin token and with an unknown status", async () => {
    expect((await setJobsRequestFault(sim, { status: 503, retryAfterSeconds: 5, times: 1 }, {})).status).toBe(401);
    expect((await fault({ status: 418 })).status).toBe(400);
  });
});
