import { describe, expect, it } from "vitest";
import { filterPlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("notDraining", () => {
  it("rejects a draining runner", () => {
    expect(filterPlugins.notDraining.filter(job(), runner({ draining: true })).ok).toBe(false);
    expect(filterPlugins.notDraining.filter(job(), runner({ draining: false })).ok).toBe(true);
  });
});
