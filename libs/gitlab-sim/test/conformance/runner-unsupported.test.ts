// Simulates GitLab 18.x: app/services/ci/register_job_service.rb `pre_assign_runner_checks` drops a build as
// `runner_unsupported` when `!build.supported_runner?(params.dig(:info, :features))`, then looks at the next one.
// app/models/ci/build.rb `RUNNER_FEATURES` (+ ee/app/models/ee/ci/build.rb `EE_RUNNER_FEATURES`) says which job
// config needs which feature; `supported_runner?` wants every required name truthy in the asking runner's
// info.features. A runner that sends gitlab-runner 18.x's full set (shells/abstract.go GetFeatures) takes all.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runnerInfo, type JobSpecInput, type SimulatedGitLab } from "../../src/index.js";
import { RUNNERS, requestJob, startSim } from "../support.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim({ longPollMs: 0 }); });
afterEach(async () => { await sim.close(); });

const FULL = runnerInfo("r").features as Record<string, boolean>;

describe("conformance: runner_unsupported (RegisterJobService#pre_assign_runner_checks)", () => {
  it.each<[string, Partial<JobSpecInput>]>([
    ["upload_multiple_artifacts", { artifactsReports: ["junit"] }],
    ["refspecs", { pipelineSource: "merge_request_event" }],
    ["artifacts_exclude", { artifactsExclude: ["out/*.tmp"] }],
    ["multi_build_steps", { release: true }],
    ["return_exit_code", { exitCodes: [137] }],
    ["fallback_cache_keys", { cacheKey: "deps-$CI_COMMIT_REF_SLUG", fallbackCacheKeys: ["deps-main"] }],
    ["vault_secrets", { vaultSecrets: ["DB_PASSWORD"] }],
  ])("drops a job needing %s when the runner lacks it, and hands it to one that has it", async (feature, config) => {
    const dropped = sim.enqueueJob({ name: "needy", tags: ["linux"], ...config });
    const plain = sim.enqueueJob({ name: "plain", tags: ["linux"] });
    const lacking = { ...FULL, [feature]: false };
    const first = await requestJob(sim, RUNNERS.linux.token, { info: { features: lacking } });
    expect(first.status).toBe(201);
    expect(first.json.id).toBe(plain);
    expect(sim.job(dropped)).toMatchObject({ status: "failed", failureReason: "runner_unsupported" });

    const taken = sim.enqueueJob({ name: "needy", tags: ["linux"], ...config });
    const second = await requestJob(sim, RUNNERS.linux.token, { info: { features: FULL } });
    expect(second.json.id).toBe(taken);
    expect(sim.job(taken)?.status).toBe("running");
  });

  it("requires nothing of a plain job, even from a runner that sends no features", async () => {
    const id = sim.enqueueJob({ name: "plain", tags: ["linux"] });
    expect((await requestJob(sim, RUNNERS.linux.token, { info: {} })).json.id).toBe(id);
  });

  it("counts any truthy value as supported, as features&.dig(name) does", async () => {
    const id = sim.enqueueJob({ name: "needy", tags: ["linux"], vaultSecrets: ["X"] });
    expect((await requestJob(sim, RUNNERS.linux.token, { info: { features: { vault_secrets: "true" } } })).json.id).toBe(id);
  });
});
