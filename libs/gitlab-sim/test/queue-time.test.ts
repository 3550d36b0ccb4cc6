import { afterEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../src/index.js";
import { RUNNERS, requestJob, startSim } from "./support.js";

let sim: SimulatedGitLab;
afterEach(async () => { await sim.close(); });

describe("the queue time a job payload reports", () => {
  // GitLab: app/models/ci/build.rb Ci::Build#time_in_queue_seconds = (Time.current - queued_at).seconds.to_i,
  // exposed by lib/api/entities/ci/job_request/job_info.rb. The sim runs `speed` times faster than the wall
  // clock that Switchyard and the runners measure holds and run times on, so it reports wall-clock seconds.
  it("counts from when the job became pending, in wall-clock seconds on a sped-up clock", async () => {
    let now = Date.UTC(2026, 0, 1);
    sim = await startSim({ clock: { speed: 60, now: () => now } });
    sim.enqueueJob({ name: "lint", tags: ["linux"] });
    now += 120_000; // two simulated minutes = two wall-clock seconds at speed 60
    const res = await requestJob(sim, RUNNERS.linux.token);
    expect(res.status).toBe(201);
    expect(res.json.job_info.time_in_queue_seconds).toBe(2);
  });
});
