import { describe, expect, it } from "vitest";
import { latencyStats } from "../src/live/latency-stats.js";
import { LIVE_SCHEMA, cpuSplit, summarize, type LiveResults, type LiveStep } from "../src/live/live-results.js";
import { formatSpread, spread, summarizeRuns } from "../src/live/repeat-summary.js";
import { peakMemorySample } from "../src/live/memory-stats.js";
import type { MemorySample } from "../src/live/memory-sampler.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const step = (rate: number, p99: number, keptUp: boolean, rssMb = 160): LiveStep => {
  const s = { count: 1, p50: 1, p99, max: p99, mean: 1 };
  return {
    rate, seconds: 1, offered: rate, offeredPerSec: rate, decisions: rate, decisionsPerSec: rate, startedPerSec: rate, backlog: 0, keptUp,
    latencyMs: { queuedToDecided: s, ruleQueuedToDecided: s, decide: s, offeredToDecision: s, handoff: s },
    modes: { rule: rate }, utilization: { meanRunning: 1, slots: 10, ratio: 0.1 }, processes: { assigner: { pid: 1, rssMb: 90, maxRssMb: rssMb, cpuPercent: 5 } },
    cpuPercent: { agents: 5, simulators: rate / 100 },
  };
};

describe("live bench statistics", () => {
  it("takes nearest-rank percentiles of a latency sample", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencyStats(values)).toEqual({ count: 100, p50: 50, p99: 99, max: 100, mean: 50.5 });
  });

  it("reports nulls for an empty sample", () => {
    expect(latencyStats([])).toEqual({ count: 0, p50: null, p99: null, max: null, mean: null });
  });

  it("counts as sustained only steps that kept up with p99 within 50 ms", () => {
    const summary = summarize([step(200, 4, true), step(500, 30, true), step(1000, 80, true), step(2000, 20, false)], ["assigner"]);
    expect(summary.sustainedRate).toBe(500);
    expect(summary.ruleP99MsAt200).toBe(4);
    expect(summary.goals.map((g) => g.met)).toEqual([true, false, false]);
  });
});

function run(steps: LiveStep[], natsP50: number): LiveResults {
  const stats = (p50: number) => ({ count: 300, p50, p99: p50 * 3, max: p50 * 4, mean: p50 });
  return {
    schema: LIVE_SCHEMA, generatedAt: "", machine: { cpus: 2, cpuModel: "x", memoryMb: 1, node: "v20" },
    floor: { natsRequestMs: stats(natsP50), redisEvalMs: stats(0.1), shortChainMs: { p50: natsP50 + 0.2, p99: 0 }, payloadBytes: 12_000, samples: 300 },
    config: { runners: 1, pools: 1, limit: 1, slots: 1, speed: 1, jobSeconds: 1, stepSeconds: 1, rates: [], warmupSeconds: 0, runnerWork: "light" },
    steps, stoppedBecause: "", summary: summarize(steps, ["assigner"]),
  };
}

describe("repeated live runs", () => {
  it("reports the median with min and max, ignoring runs without the figure", () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
    expect(spread([4, 1, null, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 });
    expect(spread([null, undefined])).toEqual({ median: null, min: null, max: null, runs: 0 });
    expect(formatSpread(spread([12, 9.5, 30]))).toBe("12.0 (9.5–30.0)");
  });

  it("folds three runs per rate and judges each goal by most runs", () => {
    const runs = [
      run([step(200, 4, true, 140), step(500, 30, true, 140)], 0.3),
      run([step(200, 6, true, 170)], 0.5),
      run([step(200, 5, true, 145), step(500, 60, false, 145)], 0.4),
    ];
    const summary = summarizeRuns(runs);
    expect(summary.runs).toBe(3);
    const at200 = summary.rates.find((r) => r.rate === 200)!;
    expect(at200.queuedToDecidedP99).toEqual({ median: 5, min: 4, max: 6, runs: 3 });
    expect(summary.rates.find((r) => r.rate === 500)).toMatchObject({ keptUp: "1/2", queuedToDecidedP99: { runs: 2 } });
    // rule p99 at 200 ≤ 5 ms: met by runs 1 and 3 → met; RSS < 150: met by runs 1 and 3 → met.
    expect(summary.goals.map((g) => g.met)).toEqual([true, false, true]);
    expect(summary.goals[0]!.figure.median).toBe(5);
    expect(summary.maxRssMb.assigner).toEqual({ median: 145, min: 140, max: 170, runs: 3 });
    expect(summary.floor.natsP50.median).toBe(0.4);
    expect(summary.runnerWork).toBe("light");
    expect(at200.simulatorsCpuPercent).toEqual({ median: 2, min: 2, max: 2, runs: 3 });
  });

  it("splits a step's CPU into the agents' and the simulators' shares, missing processes counting 0", () => {
    const usage = (cpuPercent: number) => ({ pid: 1, rssMb: 1, maxRssMb: 1, cpuPercent });
    const processes = { assigner: usage(60.2), scorer: usage(5.1), "sim-gitlab": usage(12), "sim-runners": usage(20.5) };
    expect(cpuSplit(processes, ["scorer", "optimizer", "assigner"], ["sim-gitlab", "sim-runners"])).toEqual({ agents: 65.3, simulators: 32.5 });
  });
});

describe("agent memory samples", () => {
  const sample = (at: number, rssMb: number): MemorySample => ({
    at, rssMb, rssAnonMb: rssMb - 50, rssFileMb: 50, heapTotalMb: 40, heapUsedMb: 30, externalMb: 5, arrayBuffersMb: 2,
    spaces: { old_space: { sizeMb: 30, usedMb: 25 }, new_space: { sizeMb: 8, usedMb: 1 } }, anonByMapping: { v8Pages: 40, brk: 10, other: 5 },
  });

  it("picks the highest-RSS sample within the step, skipping torn lines", () => {
    const dir = mkdtempSync(join(tmpdir(), "memory-"));
    try {
      const file = join(dir, "assigner.jsonl");
      writeFileSync(file, [sample(1, 200), sample(10, 120), sample(11, 150), sample(12, 130), sample(30, 300)].map((s) => JSON.stringify(s)).join("\n") + "\n{\"at\":");
      expect(peakMemorySample(file, 10, 20)?.rssMb).toBe(150);
      expect(peakMemorySample(file, 40, 50)).toBeNull();
      expect(peakMemorySample(join(dir, "missing.jsonl"), 0, 100)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("folds each agent's peak sample over runs", () => {
    const withMemory = (rssMb: number) => ({ ...step(50, 10, true, rssMb), memory: { assigner: sample(1, rssMb) } });
    const summary = summarizeRuns([run([withMemory(150)], 0.3), run([withMemory(170)], 0.3), run([withMemory(160)], 0.3)]);
    expect(summary.memory.assigner?.rssMb).toEqual({ median: 160, min: 150, max: 170, runs: 3 });
    expect(summary.memory.assigner?.old_space).toEqual({ median: 30, min: 30, max: 30, runs: 3 });
  });
});
