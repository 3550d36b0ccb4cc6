import { describe, expect, it } from "vitest";
import { formatWaitSummary } from "../src/demo-report.js";

describe("npm start's wait summary", () => {
  it("says nothing is replayed yet, and when replay starts", () => {
    expect(formatWaitSummary(null, 0)).toEqual(["— waits: none replayed yet (the shadow FIFO replays a job a while after it became pending)"]);
  });

  it("prints one line per class, Switchyard's p50/p95 beside FIFO's, with p95 bars on one scale", () => {
    const lines = formatWaitSummary({
      v: 1, windowSeconds: 600, settleSeconds: 45, at: 10_000, pools: [],
      classes: [
        { jobClass: "merge-request", jobs: 62, live: { p50: 2.3, p95: 18 }, fifo: { p50: 0.2, p95: 8 }, late: 0 },
        { jobClass: "production-deploy", jobs: 3, live: { p50: 0, p95: 0.5 }, fifo: { p50: 5, p95: 5.5 }, late: 0 },
      ],
    }, 12_000);
    expect(lines[0]).toBe("— queue time per class, last 10 min (as of 2 s ago): Switchyard vs what FIFO would have given the same jobs");
    expect(lines[2]).toMatch(/^ {3}production-deploy {4}3 jobs {2}p50 {3}0\.0 s vs {3}5\.0 s {2}p95 {3}0\.5 s vs {3}5\.5 s {2}switchyard █ +fifo █{7}$/);
    // The longest p95 (18 s) fills the bar.
    expect(lines[1]).toContain(`switchyard ${"█".repeat(24)} fifo ${"█".repeat(11)}`);
  });
});
