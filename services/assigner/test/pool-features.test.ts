// GitLab fails a job as runner_unsupported when the runner that asks for it lacks a feature the job needs
// (gitlabhq app/services/ci/register_job_service.rb `pre_assign_runner_checks`, app/models/ci/build.rb
// `RUNNER_FEATURES` / `supported_runner?`). Behind Switchyard the asking runner is the pool's registration, so
// the pool advertises what its downstream runners send in `info.features` (gitlab-runner network/gitlab.go
// `getRunnerInfo`: network client + executor + shells/abstract.go `GetFeatures`), their intersection, and
// gitlab-runner 18.x's own set before any has polled.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GITLAB_RUNNER_18_FEATURES } from "@switchyard/contracts";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createPoolFeatures, DEFAULT_POOL_FEATURES, type PoolFeatures } from "../src/upstream/pool-features.js";
import { runnerClient } from "./runner-client.js";
import { runnerId, runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

const silent = createLogger({ name: "t", level: "silent" });
const runner = (i: number) => ({ id: runnerId(i), pool: "linux" });

let env: TestEnv;
const made: PoolFeatures[] = [];
beforeEach(async () => { env = await createTestEnv("features"); });
afterEach(async () => {
  for (const f of made.splice(0)) f.stop();
  await env.close();
});

function features(options: { override?: Record<string, boolean>; now?: () => number } = {}): PoolFeatures {
  const f = createPoolFeatures({
    redis: env.redis, keys: env.keys, pools: [{ name: "linux", features: options.override }], log: silent, memoryMs: 60_000,
    ...(options.now ? { now: options.now } : {}),
  });
  made.push(f);
  return f;
}

describe("pool features: what the pool advertises upstream", () => {
  it("advertises gitlab-runner 18.x's features, fallback_cache_keys and vault_secrets included, before any runner polled", () => {
    const advertised = features().advertised("linux");
    expect(advertised).toMatchObject({ fallback_cache_keys: true, vault_secrets: true, cancel_gracefully: true, return_exit_code: true, multi_build_steps: true });
    expect(advertised).toEqual(DEFAULT_POOL_FEATURES);
  });

  it("never advertises a web terminal or two-phase commit, which a pool-wide poll cannot honour", () => {
    const f = features();
    f.observe(runner(1), GITLAB_RUNNER_18_FEATURES);
    expect(GITLAB_RUNNER_18_FEATURES).toMatchObject({ session: true, terminal: true, two_phase_job_commit: true });
    expect(f.advertised("linux")).toMatchObject({ session: false, terminal: false, two_phase_job_commit: false, fallback_cache_keys: true });
  });

  it("advertises only what every runner of the pool sent, and keeps it in Redis for other replicas and restarts", async () => {
    const f = features();
    f.observe(runner(1), GITLAB_RUNNER_18_FEATURES);
    f.observe(runner(2), { ...GITLAB_RUNNER_18_FEATURES, fallback_cache_keys: false, vault_secrets: undefined });
    expect(f.advertised("linux")).toMatchObject({ fallback_cache_keys: false, vault_secrets: false, artifacts_exclude: true });
    await waitFor(async () => (await env.redis.hlen(env.keys.runnerFeatures("linux"))) === 2, { what: "features stored" });
    const other = features();
    expect(other.advertised("linux")).toEqual(DEFAULT_POOL_FEATURES);
    await other.refresh();
    expect(other.advertised("linux")).toEqual(f.advertised("linux"));
  });

  it("stops narrowing the set for a runner not seen polling within the memory window", () => {
    let t = 1_000_000;
    const f = features({ now: () => t });
    f.observe(runner(1), GITLAB_RUNNER_18_FEATURES);
    f.observe(runner(2), { ...GITLAB_RUNNER_18_FEATURES, vault_secrets: false });
    expect(f.advertised("linux").vault_secrets).toBe(false);
    t += 45_000;
    f.observe(runner(1), GITLAB_RUNNER_18_FEATURES);
    t += 30_000;
    expect(f.advertised("linux").vault_secrets).toBe(true);
  });

  it("narrows the set at once when a runner without a feature appears after the set was computed (no stale cache)", () => {
    let t = 1_000_000;
    const f = features({ now: () => t });
    f.observe(runner(1), GITLAB_RUNNER_18_FEATURES);
    expect(f.advertised("linux").vault_secrets).toBe(true);
    t += 10;
    expect(f.advertised("linux").vault_secrets).toBe(true);
    f.observe(runner(2), { ...GITLAB_RUNNER_18_FEATURES, vault_secrets: false });
    expect(f.advertised("linux").vault_secrets).toBe(false);
    f.observe(runner(2), GITLAB_RUNNER_18_FEATURES); // it was upgraded
    expect(f.advertised("linux").vault_secrets).toBe(true);
  });

  it("uses the configured set when there is one, still without session or two-phase commit", () => {
    const f = features({ override: { artifacts: true, session: true, vault_secrets: false } });
    f.observe(runner(1), GITLAB_RUNNER_18_FEATURES);
    expect(f.advertised("linux")).toEqual({ artifacts: true, session: false, terminal: false, two_phase_job_commit: false, vault_secrets: false });
  });

  it("ignores a poll whose features are not an object of booleans", () => {
    const f = features();
    f.observe(runner(1), "all of them");
    f.observe(runner(2), null);
    expect(f.advertised("linux")).toEqual(DEFAULT_POOL_FEATURES);
  });
});

describe("the broker against a GitLab that drops jobs the asking runner cannot run", () => {
  let sim: SimulatedGitLab;
  let sy: RunningAssigner | undefined;
  beforeEach(async () => { sim = await startSim(); });
  afterEach(async () => {
    await sy?.stop();
    sy = undefined;
    await sim.close();
  });

  it("takes jobs that need fallback_cache_keys and vault_secrets before its runners have polled", async () => {
    sy = await startTestAssigner(env, sim.url, 1);
    const jobId = sim.enqueueJob({ name: "cached", tags: ["linux"], cacheKey: "deps", fallbackCacheKeys: ["deps-main"], vaultSecrets: ["DB_PASSWORD"] });
    await waitFor(async () => (await env.redis.zcard(env.keys.held("linux"))) === 1, { what: "job held" });
    expect(sim.job(jobId)).toMatchObject({ status: "running", failureReason: null });
  });

  it("stops offering a feature one runner of the pool lacks, so GitLab drops such jobs itself instead of handing them over", async () => {
    sy = await startTestAssigner(env, sim.url, 2);
    expect((await runnerClient(sy.brokerUrl, runnerToken(1)).requestJob()).status).toBe(204);
    expect((await runnerClient(sy.brokerUrl, runnerToken(2), { features: { fallback_cache_keys: false } }).requestJob()).status).toBe(204);
    // Upstream requests already on their way carry the old set; two workers, so four more are surely new.
    const seen = sim.knobs.jobRequests;
    await waitFor(() => sim.knobs.jobRequests >= seen + 4, { what: "upstream polls with the learned features" });
    const needy = sim.enqueueJob({ name: "cached", tags: ["linux"], fallbackCacheKeys: ["deps-main"] });
    const fine = sim.enqueueJob({ name: "secret", tags: ["linux"], vaultSecrets: ["DB_PASSWORD"] });
    await waitFor(() => sim.job(needy)?.status === "failed" && sim.job(fine)?.status === "running", { what: "GitLab decided both jobs" });
    expect(sim.job(needy)?.failureReason).toBe("runner_unsupported");
    await waitFor(async () => (await env.redis.hexists(env.keys.jobs, String(fine))) === 1, { what: "supported job held" });
  });
});
