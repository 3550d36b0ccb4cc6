import { afterEach, describe, expect, it } from "vitest";
import { createPipelineGenerator, createWorkload, DEFAULT_PROJECTS, DEFAULT_WORKLOAD_POOLS, type SimulatedGitLab } from "../src/index.js";
import { RUNNERS, requestJob, startSim } from "./support.js";

const mix = { projects: DEFAULT_PROJECTS, pools: DEFAULT_WORKLOAD_POOLS, mergeRequestShare: 0.45, scheduleShare: 0.1, productionShare: 0.3, failureRate: 0 };

describe("pipeline generator", () => {
  it("produces the same pipelines for the same seed and different ones for another seed", () => {
    const a = createPipelineGenerator(mix, 7);
    const b = createPipelineGenerator(mix, 7);
    const c = createPipelineGenerator(mix, 8);
    const run = (g: () => unknown) => JSON.stringify(Array.from({ length: 20 }, g));
    expect(run(a)).toBe(run(b));
    expect(run(c)).not.toBe(run(createPipelineGenerator(mix, 7)));
  });

  it("gives default-branch pipelines a protected ref and a deploy stage, MR pipelines neither", () => {
    const next = createPipelineGenerator(mix, 3);
    const pipelines = Array.from({ length: 300 }, next);
    const tiers = { production: 0, staging: 0 };
    for (const p of pipelines) {
      const stages = p.stages.map((s) => s.name);
      expect(stages.slice(0, 3)).toEqual(["lint", "test", "build"]);
      if (p.common.pipelineSource === "merge_request_event") {
        expect(p.common.protected).toBe(false);
        expect(stages).not.toContain("deploy");
      } else {
        expect(p.common).toMatchObject({ protected: true, ref: "main" });
        const env = p.stages[3]!.jobs[0]!.environment!;
        expect(env.action).toBe("start");
        tiers[env.tier as "production" | "staging"]++;
        if (env.tier === "production") expect(env.name).toBe("production");
      }
    }
    const share = tiers.production / (tiers.production + tiers.staging);
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
  });
});

describe("workload against the simulated GitLab", () => {
  let sim: SimulatedGitLab;
  afterEach(async () => { await sim.close(); });

  it("queues a stage only after every job of the previous stage succeeded", async () => {
    sim = await startSim();
    const workload = createWorkload({ gitlab: sim.pipelines, rate: 0, seed: 5, pools: [{ tags: ["linux"], weight: 1 }], mergeRequestShare: 0, scheduleShare: 0, failureRate: 0 });
    const pipelineId = workload.enqueueOne();
    const seenStages: string[] = [];
    for (;;) {
      const res = await requestJob(sim, RUNNERS.linux.token);
      if (res.status !== 201) break;
      const stage = res.json.job_info.stage as string;
      const pendingOtherStages = sim.state.jobs().filter((j) => j.pipelineId === pipelineId && j.status === "pending" && j.spec.stage !== stage);
      expect(pendingOtherStages).toEqual([]);
      seenStages.push(stage);
      await fetch(`${sim.url}/api/v4/jobs/${res.json.id}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: res.json.token, state: "success" }) });
    }
    expect([...new Set(seenStages)]).toEqual(["lint", "test", "build", "deploy"]);
    expect(sim.pipelines.pipeline(pipelineId)?.status).toBe("success");
  });

  it("stops a pipeline at a failed stage", async () => {
    sim = await startSim();
    const workload = createWorkload({ gitlab: sim.pipelines, rate: 0, seed: 5, pools: [{ tags: ["linux"], weight: 1 }], failureRate: 1 });
    const pipelineId = workload.enqueueOne();
    for (;;) {
      const res = await requestJob(sim, RUNNERS.linux.token);
      if (res.status !== 201) break;
      await fetch(`${sim.url}/api/v4/jobs/${res.json.id}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: res.json.token, state: "failed", failure_reason: "script_failure" }) });
    }
    expect(sim.pipelines.pipeline(pipelineId)?.status).toBe("failed");
    expect(new Set(sim.state.jobs().map((j) => j.spec.stage))).toEqual(new Set(["lint"]));
  });

  it("enqueues pipelines on its own at the configured rate once started", async () => {
    sim = await startSim();
    const workload = createWorkload({ gitlab: sim.pipelines, rate: 6000, seed: 1 });
    workload.start();
    await expect.poll(() => workload.enqueued(), { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    workload.stop();
    expect(sim.pipelines.pipelines().length).toBe(workload.enqueued());
  });

  it("enqueues bursts of whole pipelines at once on top of the rate, from the same seeded sequence", async () => {
    sim = await startSim();
    const workload = createWorkload({ gitlab: sim.pipelines, rate: 0, seed: 9, burst: { everyMs: 40, pipelines: 5, firstAfterMs: 0 } });
    workload.start();
    await expect.poll(() => workload.enqueued(), { timeout: 5000 }).toBeGreaterThanOrEqual(10);
    workload.stop();
    const count = workload.enqueued();
    expect(count % 5).toBe(0); // only whole bursts: nothing arrives between them
    // The bursts' pipelines are the generator's sequence for the seed.
    const next = createPipelineGenerator({ ...mix, failureRate: 0.03 }, 9);
    const projectOf = new Map(sim.state.jobs().map((j) => [j.pipelineId, j.spec.projectId]));
    expect(sim.pipelines.pipelines().map((p) => projectOf.get(p.id))).toEqual(Array.from({ length: count }, () => next().common.projectId));
  });
});
