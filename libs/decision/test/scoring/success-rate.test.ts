import { describe, expect, it } from "vitest";
import { scorePlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("successRate", () => {
  it("scores the recent success rate as a percentage, no opinion without history", () => {
    expect(scorePlugins.successRate.score(job(), runner({ successRate: 0.9 }))).toBeCloseTo(90);
    expect(scorePlugins.successRate.score(job(), runner({ successRate: 0 }))).toBe(0);
    expect(scorePlugins.successRate.score(job(), runner({ successRate: null }))).toBeUndefined();
  });
});
