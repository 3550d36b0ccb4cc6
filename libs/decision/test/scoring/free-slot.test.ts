import { describe, expect, it } from "vitest";
import { filterPlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("freeSlot", () => {
  it("rejects a runner with no free slot and accepts one with any", () => {
    expect(filterPlugins.freeSlot.filter(job(), runner({ freeSlots: 0 }))).toEqual({ ok: false, reason: "no free slot" });
    expect(filterPlugins.freeSlot.filter(job(), runner({ freeSlots: 1 })).ok).toBe(true);
  });
});
