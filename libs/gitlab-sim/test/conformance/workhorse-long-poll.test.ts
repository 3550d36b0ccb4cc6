// Simulates GitLab 18.x Workhorse long polling, workhorse/internal/builds/register.go RegisterHandler: a JSON
// jobs/request with `token` and `last_update` is held on the Redis key runner:build_queue:<token>; on a change
// (WatchKeyStatusSeenChange) or timeout Workhorse itself writes 204 with only `Gitlab-Ci-Builds-Polling: yes`, no
// X-GitLab-Last-Update (Rails never saw the request). The next request with the old value finds the key already
// changed (WatchKeyStatusAlreadyChanged) and is proxied to Rails (lib/api/ci/runner.rb POST /jobs/request).
// The key expires after Ci::Runner::RUNNER_QUEUE_EXPIRY_TIME (1 h, ensure_runner_queue_value), which sends an
// idle runner to Rails, so its contacted_at moves at least hourly.
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "@switchyard/testing";
import { createManualClock, type SimulatedGitLab } from "../../src/index.js";
import { RUNNERS, requestJob, startSim } from "../support.js";

let sim: SimulatedGitLab;
afterEach(async () => { await sim.close(); });

describe("conformance: Workhorse long polling of POST /jobs/request", () => {
  it("releases a held poll with a bare 204 (no X-GitLab-Last-Update), and Rails hands the job on the next request", async () => {
    sim = await startSim({ longPollMs: 20_000 });
    const first = await requestJob(sim, RUNNERS.linux.token);
    const version = first.headers.get("x-gitlab-last-update")!;
    expect(version).toBeTruthy();
    const held = requestJob(sim, RUNNERS.linux.token, { last_update: version });
    // The hold starts in the same turn the request is counted.
    await waitFor(() => sim.knobs.jobRequests === 2, { what: "poll held" });
    sim.enqueueJob({ name: "unit", tags: ["linux"] });
    const released = await held;
    expect(released.status).toBe(204);
    expect(released.headers.get("gitlab-ci-builds-polling")).toBe("yes");
    expect(released.headers.get("x-gitlab-last-update")).toBeNull();
    // The runner keeps its old value (gitlab-runner network/client.go setLastUpdate ignores an absent header).
    expect((await requestJob(sim, RUNNERS.linux.token, { last_update: version })).status).toBe(201);
  });

  it("answers a timed-out hold with a bare 204 and does not count it as contact", async () => {
    const clock = createManualClock();
    sim = await startSim({ longPollMs: 50, clock });
    const version = (await requestJob(sim, RUNNERS.linux.token)).headers.get("x-gitlab-last-update")!;
    const contacted = sim.state.runner(RUNNERS.linux.id)?.contactedAt;
    clock.advance(10 * 60_000);
    const timedOut = await requestJob(sim, RUNNERS.linux.token, { last_update: version });
    expect(timedOut.status).toBe(204);
    expect(timedOut.headers.get("x-gitlab-last-update")).toBeNull();
    expect(sim.state.runner(RUNNERS.linux.id)?.contactedAt).toBe(contacted);
    // After RUNNER_QUEUE_EXPIRY_TIME the value is gone: the same request reaches Rails and is contacted.
    clock.advance(60 * 60_000);
    const expired = await requestJob(sim, RUNNERS.linux.token, { last_update: version });
    expect(expired.status).toBe(204);
    expect(expired.headers.get("x-gitlab-last-update")).not.toBe(version);
    expect(sim.state.runner(RUNNERS.linux.id)?.contactedAt).toBe(clock.now());
  });
});
