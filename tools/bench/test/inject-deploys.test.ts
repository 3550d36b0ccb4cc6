import { describe, expect, it } from "vitest";
import { createFifoPolicy } from "../src/policies/fifo.js";
import { simulate } from "../src/sim/simulate.js";
import { defaultDeployInjection, injectDeploys } from "../src/trace/inject-deploys.js";
import { oneRunner, rules, traceJob } from "./fixtures.js";

const trace = [
  traceJob({ jobId: 10, pipelineId: 1, refClass: "default", durationS: 100 }),
  traceJob({ jobId: 11, pipelineId: 1, refClass: "default", durationS: 300, pool: "linux" }),
  traceJob({ jobId: 12, pipelineId: 2, refClass: "merge_request", durationS: 50 }),
  traceJob({ jobId: 13, pipelineId: 3, refClass: "default", createdAt: 5000, durationS: 20, pool: "win" }),
];

describe("deploy injection", () => {
  it("adds one marked production deploy per default-branch pipeline, on its main pool, with new ids", () => {
    const out = injectDeploys(trace);
    const deploys = out.filter((j) => j.injected);
    expect(deploys.map((d) => [d.pipelineId, d.pool, d.jobId])).toEqual([[1, "linux", 14], [3, "win", 15]]);
    for (const d of deploys) {
      expect(d).toMatchObject({ afterPipeline: true, environment: "production", environmentTier: "production", stage: "deploy" });
      expect(d.durationS).toBeGreaterThanOrEqual(defaultDeployInjection.minDurationS);
      expect(d.durationS).toBeLessThanOrEqual(defaultDeployInjection.maxDurationS);
    }
    expect(out.filter((j) => !j.injected)).toEqual(trace);
  });

  it("draws the same durations for the same seed and others for another seed", () => {
    const durations = (seed: number): number[] => injectDeploys(trace, { ...defaultDeployInjection, seed, maxDurationS: 100_000 })
      .filter((j) => j.injected).map((j) => j.durationS);
    expect(durations(1)).toEqual(durations(1));
    expect(durations(1)).not.toEqual(durations(2));
  });

  it("releases the deploy when its pipeline's last job finishes in the replay, and classifies it as a production deploy", () => {
    const out = injectDeploys(trace.slice(0, 3));
    // One slot: job 10 runs 0–100, job 11 100–400, job 12 400–450; the deploy is released at 400.
    const r = simulate({ trace: out, runners: oneRunner(1), policy: createFifoPolicy(), rules, compression: 1 });
    const deploy = r.jobs.find((j) => j.trace.injected)!;
    expect(deploy.arrivedAt).toBe(400_000);
    expect(deploy.jobClass).toBe("production-deploy");
    expect(deploy.startedAt).toBe(450_000);
  });
});
