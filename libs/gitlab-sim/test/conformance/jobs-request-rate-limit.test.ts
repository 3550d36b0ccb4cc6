// Simulates GitLab 18.x: lib/api/ci/runner.rb POST /jobs/request starts with check_rate_limit!(:runner_jobs_request_api)
// (lib/api/helpers/rate_limiter.rb), which answers 429 with Retry-After; gitlab-runner network/retry_requester.go honours it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../../src/index.js";
import { startSim } from "../support.js";
import { expectFaultThenRecovery, setJobsRequestFault } from "./fault-cycle.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim({ longPollMs: 0 }); });
afterEach(async () => { await sim.close(); });

const fault = (body: unknown) => setJobsRequestFault(sim, body);

describe("POST /jobs/request answers 429 when the admin knob says so", () => {
  it("answers 429 while the fault lasts, then hands out jobs again", async () => {
    await expectFaultThenRecovery(sim, { status: 429, retryAfterSeconds: 30 }, (refused) => {
      expect(refused.headers.get("retry-after")).toBe("30");
    });
  });

  it("refuses the knob without the admin token and with an unknown status", async () => {
    expect((await setJobsRequestFault(sim, { status: 429, retryAfterSeconds: 30 }, {})).status).toBe(401);
    expect((await fault({ status: 418 })).status).toBe(400);
  });
});
