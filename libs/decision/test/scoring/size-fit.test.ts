import { describe, expect, it } from "vitest";
import { scorePlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("sizeFit", () => {
  const score = (cpus: number | null, medianSeconds?: number) =>
    scorePlugins.sizeFit.score(job({ name: "e2e" }), runner({ cpus, fleetMedianByJobName: medianSeconds === undefined ? {} : { e2e: medianSeconds } }));

  it("sends long jobs to big machines and short jobs to small ones", () => {
    expect(score(32, 3600)!).toBeGreaterThan(score(2, 3600)!);
    expect(score(2, 30)!).toBeGreaterThan(score(32, 30)!);
    expect(score(32, 3600)).toBe(100);
    expect(score(1, 0)).toBe(100);
  });

  it("has no opinion without cpus or an expected duration", () => {
    expect(score(null, 60)).toBeUndefined();
    expect(score(8)).toBeUndefined();
  });
});
