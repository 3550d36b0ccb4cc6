// Simulates GitLab 18.x's sweepers of running jobs (StuckCiJobsWorker):
// - app/services/ci/stuck_builds/drop_running_service.rb: a running build whose updated_at is older than
//   BUILD_RUNNING_OUTDATED_TIMEOUT (30 min with `ci_lower_stuck_build_timeouts`; 1 h before) is dropped as
//   `no_updates_running` (older GitLab: `stuck_or_timeout_failure`);
// - app/models/ci/build.rb `needs_touch?` (updated_at older than 15 min) decides whether a keep-alive
//   PUT state=running (UpdateBuildStateService) moves updated_at;
// - app/services/ci/timed_out_builds/drop_running_service.rb: past its timeout (+ the 15 min buffer) a build
//   is dropped as `job_execution_timeout`, keep-alives or not.
import { afterEach, describe, expect, it } from "vitest";
import { createManualClock, type SimulatedGitLab } from "../../src/index.js";
import { RUNNERS, call, requestJob, runningJob, startSim } from "../support.js";

let sim: SimulatedGitLab;
afterEach(async () => { await sim.close(); });

const put = (id: number, body: Record<string, unknown>) => call(`${sim.url}/api/v4/jobs/${id}`, "PUT", body);

describe("conformance: stale and timed-out running jobs", () => {
  // Ci::StuckBuilds::DropRunningService (GitLab 18.x, ci_lower_stuck_build_timeouts): 30 minutes, no_updates_running.
  it("drops a running job with no update for 30 simulated minutes as no_updates_running", async () => {
    const clock = createManualClock();
    sim = await startSim({ clock, staleCheckIntervalMs: 10 });
    const job = await runningJob(sim);
    const dropped = new Promise((resolve) => sim.state.events.on("job", (c) => { if (c.id === job.id && c.to === "failed") resolve(c); }));
    clock.advance(29 * 60_000);
    expect(sim.state.reapStale()).toEqual([]);
    clock.advance(2 * 60_000);
    expect(await dropped).toMatchObject({ failureReason: "no_updates_running" });
    expect((await put(job.id, { token: job.token, state: "running" })).headers.get("job-status")).toBe("failed");
  });

  it("keeps a job alive when a keep-alive PUT arrives after more than 15 simulated minutes", async () => {
    const clock = createManualClock();
    sim = await startSim({ clock, staleCheckIntervalMs: 60_000 });
    sim.enqueueJob({ name: "long", timeoutSeconds: 4 * 3600 });
    const job = (await requestJob(sim, RUNNERS.linux.token)).json as { id: number; token: string };
    clock.advance(20 * 60_000);
    await put(job.id, { token: job.token, state: "running" });
    clock.advance(20 * 60_000);
    expect(sim.state.reapStale()).toEqual([]);
    expect(sim.job(job.id)?.status).toBe("running");
  });

  it("drops a running job past its timeout plus 15 minutes as job_execution_timeout despite keep-alives", async () => {
    const clock = createManualClock();
    sim = await startSim({ clock, staleCheckIntervalMs: 60_000 });
    sim.enqueueJob({ name: "short-timeout", timeoutSeconds: 600 });
    const job = (await requestJob(sim, RUNNERS.linux.token)).json as { id: number; token: string };
    // The keep-alive comes while the token is valid (timeout + 5 min, job-token.test.ts); past it the PUT itself fails the job.
    clock.advance(14 * 60_000);
    expect((await put(job.id, { token: job.token, state: "running" })).status).toBe(200);
    clock.advance(12 * 60_000);
    expect(sim.state.reapStale()).toEqual([job.id]);
    expect(sim.job(job.id)?.failureReason).toBe("job_execution_timeout");
  });

  it("drops a stale job on the sped-up clock without manual help", async () => {
    sim = await startSim({ speed: 3600 * 20, staleCheckIntervalMs: 20 }); // one simulated hour = 50 real ms
    const job = await runningJob(sim);
    await new Promise((resolve) => sim.state.events.on("job", (c) => { if (c.id === job.id && c.to === "failed") resolve(c); }));
    expect(sim.job(job.id)?.failureReason).toBe("no_updates_running");
  });
});

// app/services/ci/append_build_trace_service.rb `execute` appends to the trace and touches no build: an empty
// trace PATCH (how Switchyard asks for a log's length) must not keep a silent job alive.
describe("conformance: an empty trace patch is no keep-alive", () => {
  it("still drops a job as no_updates_running when only empty trace patches came", async () => {
    const clock = createManualClock();
    sim = await startSim({ clock, staleCheckIntervalMs: 60_000 });
    sim.enqueueJob({ name: "silent", timeoutSeconds: 4 * 3600 });
    const job = (await requestJob(sim, RUNNERS.linux.token)).json as { id: number; token: string };
    for (let minute = 5; minute <= 30; minute += 5) {
      clock.advance(5 * 60_000);
      const probe = await call(`${sim.url}/api/v4/jobs/${job.id}/trace`, "PATCH", "", { "JOB-TOKEN": job.token, "Content-Range": "0-0", "Content-Type": "text/plain" });
      expect(probe.status).toBe(202);
    }
    expect(sim.state.reapStale()).toEqual([job.id]);
    expect(sim.job(job.id)?.failureReason).toBe("no_updates_running");
  });
});
