// Reproduces GitLab 17.x graceful cancellation of a running job:
// - Ci::Build#cancel / #supports_canceling?: a running job whose runner advertised `cancel_gracefully`
//   goes to `canceling` (event `start_cancel`), others straight to `canceled`;
// - API::Ci::Helpers::Runner#processing_on_runner? (`running? || canceling?`): job updates are still
//   accepted while canceling and UpdateBuildStateService answers them with the job's status in Job-Status;
// - Ci::HasStatus events `drop`/`success` (`transition canceling: :canceled # runner returns success/failed`);
// - Ci::StuckBuilds::DropCancelingService (GitLab 18.x): a canceling job without updates for 30 minutes
//   (BUILD_CANCELING_OUTDATED_TIMEOUT) is dropped as no_updates_canceling, which ends it canceled.
import { afterEach, describe, expect, it } from "vitest";
import { createManualClock, type SimulatedGitLab } from "../../src/index.js";
import { RUNNERS, call, requestJob, startSim } from "../support.js";

let sim: SimulatedGitLab;
afterEach(async () => { await sim.close(); });

const put = (id: number, body: Record<string, unknown>) => call(`${sim.url}/api/v4/jobs/${id}`, "PUT", body);

async function pick(features: Record<string, unknown>): Promise<{ id: number; token: string }> {
  sim.enqueueJob({ name: "unit", tags: ["linux"] });
  const res = await requestJob(sim, RUNNERS.linux.token, { info: { features } });
  expect(res.status).toBe(201);
  return res.json as { id: number; token: string };
}

describe("conformance: canceling (Ci::Build state machine)", () => {
  it("moves a running job on a cancel_gracefully runner to canceling, answers updates with Job-Status: canceling, and ends it canceled on the runner's failed", async () => {
    sim = await startSim();
    const job = await pick({ variables: true, cancel_gracefully: true });
    sim.state.cancel(job.id);
    expect(sim.job(job.id)?.status).toBe("canceling");
    const alive = await put(job.id, { token: job.token, state: "running" });
    expect(alive.status).toBe(200);
    expect(alive.headers.get("job-status")).toBe("canceling");
    const done = await put(job.id, { token: job.token, state: "failed", failure_reason: "script_failure" });
    expect(done.status).toBe(200);
    expect(done.headers.get("job-status")).toBe("canceled");
    expect(sim.job(job.id)).toMatchObject({ status: "canceled", failureReason: null });
    // Over: further updates are refused with the final status.
    const late = await put(job.id, { token: job.token, state: "running" });
    expect(late.status).toBe(403);
    expect(late.headers.get("job-status")).toBe("canceled");
  });

  it("ends canceling as canceled even when the runner reports success", async () => {
    sim = await startSim();
    const job = await pick({ variables: true, cancel_gracefully: true });
    sim.state.cancel(job.id);
    expect((await put(job.id, { token: job.token, state: "success" })).status).toBe(200);
    expect(sim.job(job.id)?.status).toBe("canceled");
  });

  it("cancels a running job outright when its runner did not advertise cancel_gracefully", async () => {
    sim = await startSim();
    const job = await pick({ variables: true });
    sim.state.cancel(job.id);
    expect(sim.job(job.id)?.status).toBe("canceled");
    const res = await put(job.id, { token: job.token, state: "running" });
    expect(res.status).toBe(403);
    expect(res.headers.get("job-status")).toBe("canceled");
  });

  it("drops a canceling job that has had no update for 30 minutes to canceled (DropCancelingService)", async () => {
    const clock = createManualClock();
    sim = await startSim({ clock });
    const job = await pick({ variables: true, cancel_gracefully: true });
    sim.state.cancel(job.id);
    clock.advance(29 * 60_000);
    expect(sim.state.reapStale()).toEqual([]);
    clock.advance(60_000);
    expect(sim.state.reapStale()).toEqual([job.id]);
    expect(sim.job(job.id)).toMatchObject({ status: "canceled", failureReason: "no_updates_canceling" });
  });
});
