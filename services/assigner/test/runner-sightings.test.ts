// The broker's own view of its runners (RunnerContactV1 in <p>:runner-contacts): a runner behind Switchyard never
// contacts GitLab (gitlabhq app/models/ci/runner.rb `#status` stays never_contacted), so the monitor judges it by
// these sightings: its polls, and while it is busy (gitlab-runner polls only with a free slot, commands/multi.go
// processRunner) its job calls (PUT /jobs/:id, trace PATCHes every X-GitLab-Trace-Update-Interval).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunnerContactV1 } from "@switchyard/contracts";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createRunnerSightings } from "../src/downstream/runner-sightings.js";
import { DEFAULT_POOL_FEATURES, type PoolFeatures } from "../src/upstream/pool-features.js";
import { runnerClient } from "./runner-client.js";
import { runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

let env: TestEnv;
beforeEach(async () => { env = await createTestEnv("sightings"); });
afterEach(async () => { await env.close(); });

const contactOf = async (runnerId: string) => {
  const raw = await env.redis.hget(env.keys.runnerContacts, runnerId);
  return raw ? RunnerContactV1.parse(JSON.parse(raw)) : null;
};

describe("runner sightings", () => {
  it("records polls and job calls per runner, throttled, and finds the runner of a job handed off elsewhere", async () => {
    let t = 1_000_000;
    const observed: unknown[] = [];
    const sightings = createRunnerSightings({
      redis: env.redis, keys: env.keys, log: createLogger({ name: "t", level: "silent" }), writeEveryMs: 5_000, now: () => t,
      features: { observe: (_r: unknown, f: unknown) => observed.push(f) } as unknown as PoolFeatures,
      handoffOf: async (jobId) => (jobId === 77 ? { runnerId: "r-002" } : null),
      poolOf: async () => "linux",
    });
    const r1 = { id: "r-001", pool: "linux" };
    sightings.polled(r1, { token: "x", system_id: "s_aaaaaaaaaaaa", info: { version: "18.5.0", features: { cache: true } } });
    await waitFor(async () => (await contactOf("r-001")) !== null, { what: "first contact written" });
    expect(await contactOf("r-001")).toEqual({ v: 1, runnerId: "r-001", pool: "linux", lastPollAt: t, lastJobCallAt: null, systemId: "s_aaaaaaaaaaaa", version: "18.5.0" });
    expect(observed).toEqual([{ cache: true }]);

    t += 1_000;
    sightings.handedOff(r1, 41);
    t += 5_000;
    sightings.jobCall(41); // a trace patch of the job handed to r-001, past the throttle
    await waitFor(async () => (await contactOf("r-001"))?.lastJobCallAt === t, { what: "job call recorded" });

    sightings.jobCall(77); // handed off by another replica: found through the hand-off record
    await waitFor(async () => (await contactOf("r-002"))?.lastJobCallAt === t, { what: "other replica's job recorded" });
  });
});

describe("managers sharing one token", () => {
  it("writes a new system_id at once, but not managers taking turns within the throttle", () => {
    // Several hosts may poll with one token, each with its own system_id (GitLab's runner managers,
    // Ci::Runner#ensure_manager); their polls alternate, and each must not cost a Redis write.
    const written: string[] = [];
    const redis = { hset: (_k: string, _f: string, v: string) => { written.push(JSON.parse(v).systemId as string); return Promise.resolve(1); } };
    const sightings = createRunnerSightings({
      redis: redis as never, keys: env.keys, log: createLogger({ name: "t", level: "silent" }), writeEveryMs: 5_000, now: () => 1_000,
      features: { observe: () => undefined } as unknown as PoolFeatures, handoffOf: async () => null, poolOf: async () => "linux",
    });
    const r1 = { id: "r-001", pool: "linux" };
    for (const systemId of ["s_aaaaaaaaaaaa", "s_bbbbbbbbbbbb", "s_aaaaaaaaaaaa", "s_bbbbbbbbbbbb", "s_aaaaaaaaaaaa"]) {
      sightings.polled(r1, { token: "x", system_id: systemId, info: {} });
    }
    expect(written).toEqual(["s_aaaaaaaaaaaa", "s_bbbbbbbbbbbb"]);
  });
});

describe("a runner's web-terminal session", () => {
  it("is refused explicitly: said once per runner, and never advertised upstream", () => {
    // gitlab-runner sends `session` on jobs/request when its session_server is set (common/network.go
    // JobRequest.Session); GitLab opens the terminal through the session of the request that picked the job.
    const lines: string[] = [];
    const log = createLogger({ name: "t", level: "info", destination: { write: (line: string) => { lines.push(line); } } });
    const sightings = createRunnerSightings({
      redis: env.redis, keys: env.keys, log, features: { observe: () => undefined } as unknown as PoolFeatures,
      handoffOf: async () => null, poolOf: async () => "linux",
    });
    const session = { url: "https://r1:8093/session/abc", certificate: "-----BEGIN CERTIFICATE-----", authorization: "secret" };
    for (let i = 0; i < 3; i++) sightings.polled({ id: "r-001", pool: "linux" }, { token: "x", session });
    const refusals = lines.filter((l) => l.includes("web terminals are not available"));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).not.toContain("secret");
    expect(DEFAULT_POOL_FEATURES).toMatchObject({ session: false, terminal: false });
  });
});

describe("the broker records its runners' contact for the monitor", () => {
  let sim: SimulatedGitLab;
  let sy: RunningAssigner | undefined;
  beforeEach(async () => { sim = await startSim(); });
  afterEach(async () => {
    await sy?.stop();
    await sim.close();
  });

  it("writes a RunnerContactV1 with the runner's system_id and version when it polls, though GitLab never hears from it", async () => {
    sy = await startTestAssigner(env, sim.url, 1);
    expect((await runnerClient(sy.brokerUrl, runnerToken(1), { systemId: "s_feedfacecafe" }).requestJob()).status).toBe(204);
    await waitFor(async () => (await contactOf("r-001")) !== null, { what: "contact written" });
    expect(await contactOf("r-001")).toMatchObject({ pool: "linux", systemId: "s_feedfacecafe", version: "18.5.0-sim", lastJobCallAt: null });
    expect((await contactOf("r-001"))!.lastPollAt).toBeGreaterThan(Date.now() - 10_000);
  });
});
