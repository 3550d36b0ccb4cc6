import { describe, expect, it } from "vitest";
import { explain, topTwoMargin, withinMargin } from "../../src/index.js";

describe("topTwoMargin", () => {
  it("is (top − second) / top, or null without two candidates or with a zero top", () => {
    expect(topTwoMargin([{ total: 80 }, { total: 60 }])).toBe(0.25);
    expect(topTwoMargin([{ total: 80 }])).toBeNull();
    expect(topTwoMargin([])).toBeNull();
    expect(topTwoMargin([{ total: 0 }, { total: 0 }])).toBeNull();
  });
});

describe("withinMargin", () => {
  it("is true when the top two are within the ratio", () => {
    expect(withinMargin([{ total: 100 }, { total: 90 }], 0.15)).toBe(true);
    expect(withinMargin([{ total: 100 }, { total: 80 }], 0.15)).toBe(false);
    expect(withinMargin([{ total: 100 }], 0.15)).toBe(false);
  });
});

describe("explain", () => {
  it("names the k largest weighted contributions", () => {
    const candidate = {
      contributions: [
        { plugin: "diskHeadroom", score: 40, weight: 0.5 },
        { plugin: "freeCapacity", score: 92, weight: 1 },
        { plugin: "successRate", score: 70.4, weight: 1 },
        { plugin: "speed", score: 80, weight: 0.8 },
      ],
    };
    expect(explain(candidate)).toEqual(["freeCapacity 92×1.0", "successRate 70×1.0", "speed 80×0.8"]);
    expect(explain(candidate, 1)).toEqual(["freeCapacity 92×1.0"]);
  });
});
