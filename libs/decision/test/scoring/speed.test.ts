import { describe, expect, it } from "vitest";
import { scorePlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("speed", () => {
  const fleet = { build: 100 };
  it.each([
    [100, 50],
    [50, 100],
    [25, 100],
    [200, 25],
  ])("scores a runner taking %i s against a 100 s fleet median as %d", (own, expected) => {
    expect(scorePlugins.speed.score(job({ name: "build" }), runner({ medianDurationByJobName: { build: own }, fleetMedianByJobName: fleet }))).toBe(expected);
  });

  it("has no opinion without both medians for the job's name", () => {
    expect(scorePlugins.speed.score(job({ name: "build" }), runner({ fleetMedianByJobName: fleet }))).toBeUndefined();
    expect(scorePlugins.speed.score(job({ name: "test" }), runner({ medianDurationByJobName: { build: 10 }, fleetMedianByJobName: fleet }))).toBeUndefined();
  });
});
