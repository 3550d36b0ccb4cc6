import { describe, expect, it } from "vitest";
import { defaultWeights, filterPlugins, NEUTRAL_SCORE, scoreJob, scorePlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("scoreJob", () => {
  it("ranks eligible runners best first with each plugin's contribution", () => {
    const result = scoreJob(job(), [
      runner({ runnerId: "busy", running: 3, freeSlots: 1, successRate: 1 }),
      runner({ runnerId: "idle", running: 0, freeSlots: 4, successRate: 1 }),
    ], { weights: { freeCapacity: 1, successRate: 1 } });
    expect(result.candidates.map((c) => c.runnerId)).toEqual(["idle", "busy"]);
    expect(result.candidates[0]).toEqual({
      runnerId: "idle", total: 100,
      contributions: [{ plugin: "freeCapacity", score: 100, weight: 1 }, { plugin: "successRate", score: 100, weight: 1 }],
    });
    expect(result.candidates[1]!.total).toBe((25 + 100) / 2);
  });

  it("reports each rejected runner with the first filter that refused it", () => {
    const result = scoreJob(job({ pool: "linux" }), [
      runner({ runnerId: "gpu", pool: "gpu", draining: true }),
      runner({ runnerId: "full", freeSlots: 0 }),
      runner({ runnerId: "ok" }),
    ], { weights: defaultWeights });
    expect(result.candidates.map((c) => c.runnerId)).toEqual(["ok"]);
    expect(result.rejected).toEqual([
      { runnerId: "gpu", filter: "poolMatch", reason: "runner pool gpu is not linux" },
      { runnerId: "full", filter: "freeSlot", reason: "no free slot" },
    ]);
  });

  it("counts a plugin without an opinion as neutral and leaves it out of the breakdown", () => {
    const result = scoreJob(job(), [runner({ runnerId: "a", successRate: null, running: 0, freeSlots: 2 })], { weights: { freeCapacity: 1, successRate: 3 } });
    expect(result.candidates[0]!.total).toBe((100 + 3 * NEUTRAL_SCORE) / 4);
    expect(result.candidates[0]!.contributions.map((c) => c.plugin)).toEqual(["freeCapacity"]);
  });

  it("skips plugins weighted zero or absent, and breaks ties by runnerId", () => {
    const result = scoreJob(job(), [runner({ runnerId: "b", successRate: 0 }), runner({ runnerId: "a", successRate: 1 })], { weights: { freeCapacity: 1, successRate: 0 } });
    expect(result.candidates.map((c) => c.runnerId)).toEqual(["a", "b"]);
    expect(result.candidates[0]!.contributions.map((c) => c.plugin)).toEqual(["freeCapacity"]);
  });

  it("clamps plugin scores into 0..100 and ignores non-finite ones", () => {
    const wild = { name: "wild", score: () => 250 };
    const broken = { name: "broken", score: () => Number.NaN };
    const result = scoreJob(job(), [runner()], { filters: [], scorers: [wild, broken], weights: { wild: 1, broken: 1 } });
    expect(result.candidates[0]!.contributions).toEqual([{ plugin: "wild", score: 100, weight: 1 }]);
    expect(result.candidates[0]!.total).toBe((100 + NEUTRAL_SCORE) / 2);
  });

  it("uses only the plugins it is given", () => {
    const result = scoreJob(job(), [runner({ paused: true })], { filters: [filterPlugins.poolMatch], scorers: [scorePlugins.freeCapacity], weights: defaultWeights });
    expect(result.rejected).toEqual([]);
    expect(result.candidates[0]!.contributions.map((c) => c.plugin)).toEqual(["freeCapacity"]);
  });

});
