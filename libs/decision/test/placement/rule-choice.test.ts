import { describe, expect, it } from "vitest";
import { explain, ruleChoice, topTwoMargin } from "../../src/index.js";
import { candidate } from "../fixtures.js";

describe("topTwoMargin", () => {
  it("is (top − second) / top, or null without two candidates or with a zero top", () => {
    expect(topTwoMargin([{ total: 80 }, { total: 60 }])).toBe(0.25);
    expect(topTwoMargin([{ total: 80 }])).toBeNull();
    expect(topTwoMargin([])).toBeNull();
    expect(topTwoMargin([{ total: 0 }, { total: 0 }])).toBeNull();
  });
});

describe("explain", () => {
  it("names the k largest weighted contributions", () => {
    const c = {
      contributions: [
        { plugin: "diskHeadroom", score: 40, weight: 0.5 },
        { plugin: "freeCapacity", score: 92, weight: 1 },
        { plugin: "successRate", score: 70.4, weight: 1 },
        { plugin: "speed", score: 80, weight: 0.8 },
      ],
    };
    expect(explain(c)).toEqual(["freeCapacity 92×1.0", "successRate 70×1.0", "speed 80×0.8"]);
    expect(explain(c, 1)).toEqual(["freeCapacity 92×1.0"]);
  });
});

describe("ruleChoice", () => {
  it.each([
    { totals: [100, 90], withinMargin: true, ahead: "10% ahead of r-2" },
    { totals: [100, 85], withinMargin: true, ahead: "15% ahead of r-2" },
    { totals: [100, 80], withinMargin: false, ahead: "20% ahead of r-2" },
    { totals: [0, 0], withinMargin: false, ahead: "tied" },
  ])("takes the top candidate and says how close $totals are (within 15%: $withinMargin)", ({ totals, withinMargin, ahead }) => {
    const choice = ruleChoice({ candidates: [candidate("r-1", totals[0]!), candidate("r-2", totals[1]!)], rejected: [] }, 0.15);
    expect(choice).toMatchObject({ runnerId: "r-1", runnerUp: "r-2", withinMargin });
    expect(choice.rationale).toBe(`r-1 scored ${totals[0]!.toFixed(1)}, ${ahead} (freeCapacity ${totals[0]}×1.0)`);
  });

  it("says when the top is the only candidate, and never asks a tie-breaker then", () => {
    const choice = ruleChoice({ candidates: [candidate("r-1", 70)], rejected: [] }, 0.15);
    expect(choice).toMatchObject({ runnerId: "r-1", runnerUp: null, margin: null, withinMargin: false });
    expect(choice.rationale).toMatch(/only candidate/);
  });

  it("names the first three filters that turned runners away when none passed", () => {
    const rejected = ["a", "b", "c", "d"].map((id) => ({ runnerId: id, filter: "healthy", reason: "unhealthy" }));
    const choice = ruleChoice({ candidates: [], rejected }, 0.15);
    expect(choice.runnerId).toBeNull();
    expect(choice.rationale).toBe("no open runner passed the filters (a: healthy, b: healthy, c: healthy)");
  });

  it("keeps at most eight candidates for the decision record", () => {
    const many = Array.from({ length: 12 }, (_, i) => candidate(`r-${i}`, 100 - i));
    expect(ruleChoice({ candidates: many, rejected: [] }, 0.15).candidates).toHaveLength(8);
  });
});
