import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { tuneWeights, type TuneInput } from "../src/learning/weight-tuning.js";

const base: TuneInput = {
  current: { freeCapacity: 1, speed: 0.8 },
  accuracy: [],
  bounds: { freeCapacity: { min: 0.5, max: 1.5 }, speed: { min: 0.1, max: 0.82 } },
  maxStep: 0.05,
  minSamples: 10,
  deadband: 0.1,
  frozen: false,
};

describe("tuneWeights", () => {
  it.each([
    ["raises a predictive plugin by step × correlation", { accuracy: [{ plugin: "freeCapacity", samples: 50, correlation: 0.6 }] }, { freeCapacity: 1.03, speed: 0.8 }],
    ["lowers a plugin whose score predicted worse outcomes", { accuracy: [{ plugin: "freeCapacity", samples: 50, correlation: -1 }] }, { freeCapacity: 0.95, speed: 0.8 }],
    ["stops at the upper bound", { accuracy: [{ plugin: "speed", samples: 50, correlation: 1 }] }, { freeCapacity: 1, speed: 0.82 }],
    ["ignores plugins with too few samples", { accuracy: [{ plugin: "freeCapacity", samples: 9, correlation: 1 }] }, { freeCapacity: 1, speed: 0.8 }],
    ["ignores correlations inside the deadband", { accuracy: [{ plugin: "freeCapacity", samples: 50, correlation: 0.05 }] }, { freeCapacity: 1, speed: 0.8 }],
    ["never moves a plugin without bounds", { current: { freeCapacity: 1, speed: 0.8, sizeFit: 0.3 }, accuracy: [{ plugin: "sizeFit", samples: 50, correlation: 1 }] }, { freeCapacity: 1, speed: 0.8, sizeFit: 0.3 }],
    ["changes nothing when frozen", { frozen: true, accuracy: [{ plugin: "freeCapacity", samples: 50, correlation: 1 }] }, { freeCapacity: 1, speed: 0.8 }],
    ["moves a weight above its bound down by at most one step", { current: { freeCapacity: 2, speed: 0.8 }, accuracy: [{ plugin: "freeCapacity", samples: 50, correlation: 0.5 }] }, { freeCapacity: 1.95, speed: 0.8 }],
  ] as const)("%s", (_name, overrides, expected) => {
    const result = tuneWeights({ ...base, ...overrides } as TuneInput);
    expect(result.weights).toEqual(expected);
    expect(result.changes.length > 0).toBe(JSON.stringify(expected) !== JSON.stringify((overrides as Partial<TuneInput>).current ?? base.current));
  });

  it("explains each change in the reason", () => {
    const result = tuneWeights({ ...base, accuracy: [{ plugin: "freeCapacity", samples: 40, correlation: 0.6 }] });
    expect(result.reason).toBe("freeCapacity 1→1.03 (rank corr 0.60 over 40 outcomes)");
    expect(tuneWeights({ ...base, frozen: true }).reason).toBe("weights frozen");
  });

  it("never crosses a bound nor exceeds the step, whatever the evidence", () => {
    fc.assert(fc.property(
      fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }),
      fc.double({ min: 0.001, max: 0.5, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }),
      (lo, width, start, step, corr) => {
        const bounds = { min: lo, max: lo + width };
        const current = Math.min(bounds.max, Math.max(bounds.min, start));
        const r = tuneWeights({ ...base, current: { p: current }, bounds: { p: bounds }, maxStep: step, accuracy: [{ plugin: "p", samples: 100, correlation: corr }], deadband: 0 });
        const to = r.weights.p!;
        expect(to).toBeGreaterThanOrEqual(bounds.min - 1e-9);
        expect(to).toBeLessThanOrEqual(bounds.max + 1e-9);
        expect(Math.abs(to - current)).toBeLessThanOrEqual(step + 1e-9);
      },
    ), { numRuns: 500 });
  });
});
