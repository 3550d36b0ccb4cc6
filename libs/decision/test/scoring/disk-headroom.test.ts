import { describe, expect, it } from "vitest";
import { scorePlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("diskHeadroom", () => {
  it("scores free disk as a percentage, no opinion when unknown", () => {
    expect(scorePlugins.diskHeadroom.score(job(), runner({ diskUsedRatio: 0.25 }))).toBe(75);
    expect(scorePlugins.diskHeadroom.score(job(), runner({ diskUsedRatio: 1 }))).toBe(0);
    expect(scorePlugins.diskHeadroom.score(job(), runner({ diskUsedRatio: null }))).toBeUndefined();
  });
});
