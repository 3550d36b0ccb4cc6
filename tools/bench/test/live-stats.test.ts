import { describe, expect, it } from "vitest";
import { latencyStats } from "../src/live/latency-stats.js";
import { summarize, type LiveStep } from "../src/live/live-results.js";

describe("live bench statistics", () => {
  it("takes nearest-rank percentiles of a latency sample", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencyStats(values)).toEqual({ count: 100, p50: 50, p99: 99, max: 100, mean: 50.5 });
  });

  it("reports nulls for an empty sample", () => {
    expect(latencyStats([])).toEqual({ count: 0, p50: null, p99: null, max: null, mean: null });
  });

  it("counts as sustained only steps that kept up with p99 within 50 ms", () => {
    const step = (rate: number, p99: number, keptUp: boolean): LiveStep => {
      const s = { count: 1, p50: 1, p99, max: p99, mean: 1 };
      return {
        rate, seconds: 1, offered: rate, offeredPerSec: rate, decisions: rate, decisionsPerSec: rate, startedPerSec: rate, backlog: 0, keptUp,
        latencyMs: { queuedToDecided: s, ruleQueuedToDecided: s, decide: s, offeredToDecision: s, handoff: s },
        modes: { rule: rate }, utilization: { meanRunning: 1, slots: 10, ratio: 0.1 }, processes: { assigner: { pid: 1, rssMb: 90, maxRssMb: 160, cpuPercent: 5 } },
      };
    };
    const summary = summarize([step(200, 4, true), step(500, 30, true), step(1000, 80, true), step(2000, 20, false)], ["assigner"]);
    expect(summary.sustainedRate).toBe(500);
    expect(summary.ruleP99MsAt200).toBe(4);
    expect(summary.goals.map((g) => g.met)).toEqual([true, false, false]);
  });
});
