import { describe, expect, it } from "vitest";
import { cdfPoints, percentile, waitStats } from "../src/report/stats.js";

describe("percentile maths", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it.each([
    [hundred, 50, 50], [hundred, 95, 95], [hundred, 99, 99], [hundred, 100, 100], [hundred, 0, 1],
    [[1, 2, 3, 4], 50, 2], [[1, 2, 3, 4], 51, 3], [[7], 95, 7], [[], 95, 0],
  ])("nearest rank of %j at p%d is %d", (values, p, want) => {
    expect(percentile(values, p)).toBe(want);
  });

  it("summarises waits with mean, max and the count strictly over the SLI", () => {
    expect(waitStats([300, 0, 600, 100], 300)).toEqual({ jobs: 4, p50: 100, p95: 600, p99: 600, max: 600, mean: 250, overSli: 1 });
    expect(waitStats([], 300)).toMatchObject({ jobs: 0, mean: 0, max: 0 });
  });

  it("draws a CDF that rises to 1 at the largest wait", () => {
    const pts = cdfPoints(hundred, 10);
    expect(pts).toHaveLength(10);
    expect(pts[pts.length - 1]).toEqual([100, 1]);
    expect(pts.every(([, f], i) => i === 0 || f > pts[i - 1]![1])).toBe(true);
  });
});
