import { describe, expect, it } from "vitest";
import { splitTraceInHalves } from "../src/trace/split-trace.js";
import { traceJob } from "./fixtures.js";

describe("splitTraceInHalves", () => {
  it("cuts at a pipeline boundary by time, keeping each pipeline (and its after-pipeline deploy) whole", () => {
    const trace = [
      traceJob({ jobId: 1, pipelineId: 30, createdAt: 300 }), traceJob({ jobId: 2, pipelineId: 10, createdAt: 100 }),
      traceJob({ jobId: 3, pipelineId: 10, createdAt: 100 }), traceJob({ jobId: 4, pipelineId: 10, createdAt: 0, afterPipeline: true }),
      traceJob({ jobId: 5, pipelineId: 20, createdAt: 200 }), traceJob({ jobId: 6, pipelineId: 30, createdAt: 300 }),
    ];
    const [first, second] = splitTraceInHalves(trace);
    expect(first.map((j) => j.jobId).sort()).toEqual([2, 3, 4]);
    expect(second.map((j) => j.jobId).sort()).toEqual([1, 5, 6]);
  });
});
