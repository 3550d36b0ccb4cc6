import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../src/index.js";
import { RUNNERS, requestJob, startSim } from "./support.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim(); });
afterEach(async () => { await sim.close(); });

const pickedId = async (token: string, features: Record<string, boolean> = {}) => {
  const res = await requestJob(sim, token, { info: { features } });
  return res.status === 201 ? (res.json.id as number) : null;
};

describe("which job jobs/request returns", () => {
  it.each([
    { runner: "linux", job: { tags: ["linux"] }, takes: true },
    { runner: "linux", job: { tags: [] }, takes: true },
    { runner: "linux", job: { tags: ["linux", "gpu"] }, takes: false },
    { runner: "gpu", job: { tags: ["gpu"] }, takes: true },
    { runner: "gpu", job: { tags: [] }, takes: false },
    { runner: "protectedOnly", job: { tags: ["linux"], protected: false }, takes: false },
    { runner: "protectedOnly", job: { tags: ["linux"], protected: true }, takes: true },
  ] as const)("$runner runner takes job $job: $takes", async ({ runner, job, takes }) => {
    const id = sim.enqueueJob({ name: "j", tags: [...job.tags], protected: "protected" in job ? job.protected : false });
    expect(await pickedId(RUNNERS[runner].token)).toBe(takes ? id : null);
  });

  it("serves project runners strictly first-in-first-out by job id", async () => {
    const ids = [sim.enqueueJob({ name: "a", projectId: 1 }), sim.enqueueJob({ name: "b", projectId: 1 }), sim.enqueueJob({ name: "c", projectId: 2 })];
    const got = [await pickedId(RUNNERS.linux.token), await pickedId(RUNNERS.linux.token), await pickedId(RUNNERS.linux.token)];
    expect(got).toEqual(ids);
  });

  it("serves instance runners by fewest running instance-runner jobs per project, then id", async () => {
    const a1 = sim.enqueueJob({ name: "a1", projectId: 1 });
    const a2 = sim.enqueueJob({ name: "a2", projectId: 1 });
    const a3 = sim.enqueueJob({ name: "a3", projectId: 1 });
    const b1 = sim.enqueueJob({ name: "b1", projectId: 2 });
    const b2 = sim.enqueueJob({ name: "b2", projectId: 2 });
    const order = [];
    for (let i = 0; i < 5; i++) order.push(await pickedId(RUNNERS.shared.token));
    // a1 (both 0) → b1 (project 2 has 0, project 1 has 1) → a2 (1 vs 1, lower id) → b2 → a3
    expect(order).toEqual([a1, b1, a2, b2, a3]);
  });

  it("counts only jobs still running on instance runners: a finished or canceled one frees its project's share", async () => {
    const a1 = sim.enqueueJob({ name: "a1", projectId: 1 });
    expect(await pickedId(RUNNERS.shared.token)).toBe(a1);
    sim.state.finish(sim.state.jobRecord(a1)!, "success", null, 0);
    const a2 = sim.enqueueJob({ name: "a2", projectId: 1 });
    const b1 = sim.enqueueJob({ name: "b1", projectId: 2 });
    // a1 is done: project 1 runs nothing, so a2 (lower id) goes first; with a1 still counted b1 would.
    expect(await pickedId(RUNNERS.shared.token)).toBe(a2);
    sim.state.cancel(a2);
    const a3 = sim.enqueueJob({ name: "a3", projectId: 1 });
    expect(await pickedId(RUNNERS.shared.token)).toBe(b1);
    expect((await requestJob(sim, RUNNERS.shared.token)).json).toMatchObject({ id: a3, job_info: { project_jobs_running_on_instance_runners_count: "0" } });
  });

  it("gives a runner a queue value it never had on every tick", () => {
    const seen = new Set([sim.state.queueVersion(RUNNERS.linux.id)]);
    for (let i = 0; i < 50; i++) {
      sim.enqueueJob({ name: `t${i}`, tags: ["linux"] });
      const value = sim.state.queueVersion(RUNNERS.linux.id);
      expect(value).toMatch(/^[0-9a-f]{16}$/);
      expect(seen.has(value)).toBe(false);
      seen.add(value);
    }
  });

  it("reports how many jobs of the project run on instance runners as GitLab's string label", async () => {
    for (let i = 0; i < 5; i++) sim.enqueueJob({ name: `j${i}`, projectId: 9 });
    const labels = [];
    for (let i = 0; i < 5; i++) labels.push((await requestJob(sim, RUNNERS.shared.token)).json.job_info.project_jobs_running_on_instance_runners_count);
    expect(labels).toEqual(["0", "1", "2", "3+", "3+"]);
  });

  it("drops a job needing a feature the runner lacks as runner_unsupported and hands out the next one", async () => {
    const needy = sim.enqueueJob({ name: "needs-vault", vaultSecrets: ["DB_PASSWORD"] });
    const plain = sim.enqueueJob({ name: "plain" });
    expect(await pickedId(RUNNERS.linux.token, { variables: true })).toBe(plain);
    expect(sim.job(needy)).toMatchObject({ status: "failed", failureReason: "runner_unsupported" });
  });

  it("hands a job needing a feature to a runner that advertises it", async () => {
    const needy = sim.enqueueJob({ name: "needs-vault", vaultSecrets: ["DB_PASSWORD"] });
    expect(await pickedId(RUNNERS.linux.token, { vault_secrets: true })).toBe(needy);
  });

  it("hands each job to exactly one of many concurrent pollers", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => sim.enqueueJob({ name: `j${i}` }));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => pickedId(i % 2 ? RUNNERS.linux.token : RUNNERS.shared.token)));
    const got = results.filter((x): x is number => x !== null).sort((a, b) => a - b);
    expect(got).toEqual(ids);
  });
});
