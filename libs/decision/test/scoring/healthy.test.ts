import { describe, expect, it } from "vitest";
import { filterPlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("healthy", () => {
  it("rejects a runner the monitor marked unhealthy", () => {
    expect(filterPlugins.healthy.filter(job(), runner({ healthy: false })).ok).toBe(false);
    expect(filterPlugins.healthy.filter(job(), runner({ healthy: true })).ok).toBe(true);
  });
});
