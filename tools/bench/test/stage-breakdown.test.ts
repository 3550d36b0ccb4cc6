import { describe, expect, it } from "vitest";
import { bucketDelta, bucketQuantile, parseStageBuckets, stageFigures } from "../src/live/stage-breakdown.js";

const scrape = (intake: [number, number, number], written: [number, number, number]) => [
  "# HELP switchyard_handoff_stage_seconds t",
  "# TYPE switchyard_handoff_stage_seconds histogram",
  `switchyard_handoff_stage_seconds_bucket{le="0.001",stage="intake",agent="assigner"} ${intake[0]}`,
  `switchyard_handoff_stage_seconds_bucket{le="0.01",stage="intake",agent="assigner"} ${intake[1]}`,
  `switchyard_handoff_stage_seconds_bucket{le="+Inf",stage="intake",agent="assigner"} ${intake[2]}`,
  `switchyard_handoff_stage_seconds_sum{stage="intake",agent="assigner"} 0.1`,
  `switchyard_handoff_stage_seconds_count{stage="intake",agent="assigner"} ${intake[2]}`,
  `switchyard_handoff_stage_seconds_bucket{le="0.001",stage="written",agent="assigner"} ${written[0]}`,
  `switchyard_handoff_stage_seconds_bucket{le="0.01",stage="written",agent="assigner"} ${written[1]}`,
  `switchyard_handoff_stage_seconds_bucket{le="+Inf",stage="written",agent="assigner"} ${written[2]}`,
  `switchyard_hold_seconds_bucket{le="0.01",pool="pool-1",agent="assigner"} 99`,
].join("\n");

describe("the bench's hand-off stage breakdown", () => {
  it("reads the stage histograms of a scrape, in their order, and nothing else", () => {
    const parsed = parseStageBuckets(scrape([1, 2, 3], [0, 0, 0]));
    expect([...parsed.keys()]).toEqual(["intake", "written"]);
    expect([...parsed.get("intake")!]).toEqual([[0.001, 1], [0.01, 2], [Infinity, 3]]);
  });

  it("takes quantiles over the measured window only, interpolated inside a bucket as histogram_quantile does", () => {
    const before = parseStageBuckets(scrape([5, 5, 5], [0, 0, 0]));
    const after = parseStageBuckets(scrape([5, 15, 15], [10, 10, 10]));
    const delta = bucketDelta(before, after);
    // intake: the window's 10 observations all fell in (1 ms, 10 ms]: p50 at the middle of that bucket.
    expect(bucketQuantile(0.5, delta.get("intake")!)).toBeCloseTo(0.0055, 6);
    expect(stageFigures(delta, ["intake", "written", "woken"])).toEqual([
      { stage: "intake", count: 10, p50: 5.5, p99: 9.91 },
      { stage: "written", count: 10, p50: 0.5, p99: 0.99 },
      { stage: "woken", count: 0, p50: null, p99: null },
    ]);
  });

  it("answers the last finite bound for a quantile past it, and null for an empty histogram", () => {
    expect(bucketQuantile(0.99, new Map([[0.001, 0], [0.01, 1], [Infinity, 10]]))).toBe(0.01);
    expect(bucketQuantile(0.5, new Map([[0.001, 0], [Infinity, 0]]))).toBeNull();
  });
});
