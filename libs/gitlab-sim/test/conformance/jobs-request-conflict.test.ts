// Simulates GitLab 18.x: lib/api/ci/runner.rb POST /jobs/request calls acquire_ci_job!, which answers 409 Conflict when
// Ci::RegisterJobService#execute (app/services/ci/register_job_service.rb) returns an invalid result: another runner won
// the build, or the queue read came from a lagging replica. gitlab-runner network/gitlab.go RequestJob treats it as a failure.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../../src/index.js";
import { startSim } from "../support.js";
import { expectFaultThenRecovery, setJobsRequestFault } from "./fault-cycle.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim({ longPollMs: 0 }); });
afterEach(async () => { await sim.close(); });

const fault = (body: unknown) => setJobsRequestFault(sim, body);

describe("POST /jobs/request answers 409 when the admin knob says so", () => {
  it("answers 409 while the fault lasts, then hands out jobs again", async () => {
    await expectFaultThenRecovery(sim, { status: 409 }, (refused) => {
      expect(refused.json.message).toBe("409 Conflict");
      expect(refused.headers.get("retry-after")).toBeNull();
    });
  });

  it("refuses the knob without the admin token and with an unknown status", async () => {
    expect((await setJobsRequestFault(sim, { status: 409 }, {})).status).toBe(401);
    expect((await fault({ status: 418 })).status).toBe(400);
  });
});
