import { describe, expect, it } from "vitest";
import { addFinishedJob, emptyShadowFifo, replayFifo } from "@switchyard/decision";
import { createFifoPolicy } from "../src/policies/fifo.js";
import { simulate } from "../src/sim/simulate.js";
import { createRng } from "../src/trace/rng.js";
import { oneRunner, rules, traceJob } from "./fixtures.js";

describe("the optimizer's shadow FIFO", () => {
  it("gives every job of a small random trace the wait the bench's FIFO simulator gives it on the same slots", () => {
    const rng = createRng(7);
    let t = 0;
    // 60 single-job pipelines arriving in clumps, on 3 slots: a queue forms and drains.
    const trace = Array.from({ length: 60 }, (_, i) => {
      t += rng() < 0.5 ? 0 : Math.floor(rng() * 40);
      return traceJob({ jobId: i + 1, pipelineId: i + 1, createdAt: t, durationS: 10 + Math.floor(rng() * 90) });
    });
    const bench = simulate({ trace, runners: oneRunner(3), policy: createFifoPolicy(), rules, compression: 1 });
    const benchWaits = new Map(bench.jobs.map((j) => [j.jobId, (j.startedAt! - j.arrivedAt) / 1000]));

    // The shadow sees the finished jobs in the order they finished, as the optimizer does.
    const finishOrder = [...bench.jobs].sort((a, b) => a.finishedAt! - b.finishedAt!);
    const state = finishOrder.reduce((s, j) => addFinishedJob(s, {
      jobId: j.jobId, jobClass: j.jobClass, pendingAt: j.trace.createdAt * 1000, runSeconds: j.trace.durationS, liveWaitSeconds: 0,
    }), emptyShadowFifo());
    const shadow = replayFifo(state, { slots: 3, settledBefore: Number.POSITIVE_INFINITY }).replayed;

    expect(shadow).toHaveLength(60);
    expect(Math.max(...shadow.map((j) => j.fifoWaitSeconds))).toBeGreaterThan(30); // a queue formed
    expect(new Map(shadow.map((j) => [j.jobId, j.fifoWaitSeconds]))).toEqual(benchWaits);
  });
});
