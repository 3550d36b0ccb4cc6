import { describe, expect, it } from "vitest";
import { scorePlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("freeCapacity", () => {
  it.each([
    [0, 4, 100],
    [3, 1, 25],
    [1, 1, 50],
  ])("scores %i running with %i free as %d", (running, freeSlots, expected) => {
    expect(scorePlugins.freeCapacity.score(job(), runner({ running, freeSlots }))).toBe(expected);
  });

  it("has no opinion on a runner with no slots at all", () => {
    expect(scorePlugins.freeCapacity.score(job(), runner({ running: 0, freeSlots: 0 }))).toBeUndefined();
  });
});
