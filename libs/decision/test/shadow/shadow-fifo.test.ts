import { describe, expect, it } from "vitest";
import { addFinishedJob, emptyShadowFifo, replayFifo, type ShadowFifoState, type ShadowJob } from "../../src/shadow/shadow-fifo.js";
import { percentile, summarizeWaits } from "../../src/shadow/wait-summary.js";

const S = 1000;
const job = (jobId: number, pendingS: number, runSeconds: number, jobClass = "merge-request", liveWaitSeconds = 0): ShadowJob =>
  ({ jobId, jobClass, pendingAt: pendingS * S, runSeconds, liveWaitSeconds });
const fed = (jobs: ShadowJob[], state: ShadowFifoState = emptyShadowFifo()) => jobs.reduce(addFinishedJob, state);
const waits = (r: { replayed: { jobId: number; fifoWaitSeconds: number }[] }) => r.replayed.map((j) => [j.jobId, j.fifoWaitSeconds]);

describe("the shadow FIFO", () => {
  it("gives FIFO's waits on one slot by hand: A 0 s, B 90 s, C 130 s, whatever order they finished in", () => {
    // A (100 s) pending at 0, B (50 s) at 10, C (10 s) at 20: A runs 0–100, B 100–150, C 150–160.
    const r = replayFifo(fed([job(3, 20, 10), job(1, 0, 100), job(2, 10, 50)]), { slots: 1, settledBefore: 1_000 * S });
    expect(waits(r)).toEqual([[1, 0], [2, 90], [3, 130]]);
  });

  it("hands the slot that frees first to the oldest job on two slots", () => {
    // 1 (100 s) and 2 (30 s) start at 0; 3 at 5 s takes 2's slot at 30 (wait 25, ends 80); 4 at 6 s takes that slot at 80 (1 frees at 100).
    const r = replayFifo(fed([job(1, 0, 100), job(2, 0, 30), job(3, 5, 50), job(4, 6, 10)]), { slots: 2, settledBefore: 1_000 * S });
    expect(waits(r)).toEqual([[1, 0], [2, 0], [3, 25], [4, 74]]);
  });

  it("replays only jobs pending before the settled time, and carries busy slots into the next replay", () => {
    const first = replayFifo(fed([job(1, 0, 100), job(2, 50, 10)]), { slots: 1, settledBefore: 40 * S });
    expect(waits(first)).toEqual([[1, 0]]);
    expect(first.state.waiting.map((j) => j.jobId)).toEqual([2]);
    // Job 2 waits for job 1's slot (free at 100 s) in the next replay.
    const second = replayFifo(addFinishedJob(first.state, job(3, 60, 5)), { slots: 1, settledBefore: 1_000 * S });
    expect(waits(second)).toEqual([[2, 50], [3, 50]]);
  });

  it("replays a job whose outcome came after later arrivals at the earliest time left, marked late", () => {
    const first = replayFifo(fed([job(1, 0, 100), job(2, 50, 10)]), { slots: 1, settledBefore: 1_000 * S });
    // Job 3 became pending at 20 s but finished after 2 was replayed: FIFO's clock is at 50 s, slot free at 110 s.
    const second = replayFifo(addFinishedJob(first.state, job(3, 20, 5)), { slots: 1, settledBefore: 1_000 * S });
    expect(second.replayed).toEqual([expect.objectContaining({ jobId: 3, fifoWaitSeconds: 90, late: true })]);
    expect(first.replayed.every((j) => !j.late)).toBe(true);
  });

  it("frees new slots at once and drops the idlest when the pool shrinks", () => {
    const busy = replayFifo(fed([job(1, 0, 100), job(2, 0, 10)]), { slots: 2, settledBefore: 1_000 * S });
    // Down to one slot: the one free at 10 s goes, the one busy until 100 s stays.
    const shrunk = replayFifo(addFinishedJob(busy.state, job(3, 20, 5)), { slots: 1, settledBefore: 1_000 * S });
    expect(waits(shrunk)).toEqual([[3, 80]]);
    const grown = replayFifo(addFinishedJob(shrunk.state, job(4, 30, 5)), { slots: 3, settledBefore: 1_000 * S });
    expect(waits(grown)).toEqual([[4, 0]]);
  });

  it("leaves the state it was given unchanged", () => {
    const state = fed([job(1, 0, 100), job(2, 10, 10)]);
    const copy = structuredClone(state);
    replayFifo(state, { slots: 1, settledBefore: 1_000 * S });
    addFinishedJob(state, job(3, 5, 1));
    expect(state).toEqual(copy);
  });
});

describe("the wait summary", () => {
  it("takes nearest-rank percentiles", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(percentile([], 95)).toBe(0);
  });

  it("puts each class's live and FIFO percentiles side by side over the same jobs", () => {
    const r = replayFifo(fed([
      job(1, 0, 100, "merge-request", 0), job(2, 10, 50, "merge-request", 100), job(3, 20, 10, "production-deploy", 80),
    ]), { slots: 1, settledBefore: 1_000 * S });
    expect(summarizeWaits(r.replayed)).toEqual([
      { jobClass: "merge-request", jobs: 2, live: { p50: 0, p95: 100 }, fifo: { p50: 0, p95: 90 }, late: 0 },
      { jobClass: "production-deploy", jobs: 1, live: { p50: 80, p95: 80 }, fifo: { p50: 130, p95: 130 }, late: 0 },
    ]);
  });
});
