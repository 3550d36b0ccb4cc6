import { describe, expect, it } from "vitest";
import { shippedSettings } from "../src/bench/policy-set.js";
import { tuningGrid } from "../src/bench/tune.js";

describe("the tuning grid", () => {
  it("contains the shipped defaults, so the README's claim that they were chosen from it stays true", () => {
    const shipped = tuningGrid().filter(({ settings }) =>
      JSON.stringify(settings.order) === JSON.stringify(shippedSettings.order) && settings.weights.speed === shippedSettings.weights.speed);
    expect(shipped).toHaveLength(1);
  });
});
