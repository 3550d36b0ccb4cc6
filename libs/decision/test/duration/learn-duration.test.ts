import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createDurationBook, durationKey, learnDuration, predictionError } from "../../src/index.js";

const cfg = { alpha: 0.2, maxNames: 3 };

describe("learnDuration", () => {
  it("starts from the first run and averages the first runs plainly (geometric mean)", () => {
    const one = learnDuration(undefined, 100, cfg);
    expect(one).toEqual({ expectedSeconds: 100, samples: 1 });
    expect(learnDuration(one, 400, cfg).expectedSeconds).toBeCloseTo(200, 6);
  });

  it("counts runs under a second as one second, so a 0 s aborted run cannot zero the estimate", () => {
    expect(learnDuration(undefined, 0, cfg).expectedSeconds).toBe(1);
  });

  it("always stays between the smallest and largest run it saw (property)", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 1, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 60 }), (runs) => {
      let e: ReturnType<typeof learnDuration> | undefined;
      for (const r of runs) e = learnDuration(e, r, cfg);
      expect(e!.expectedSeconds).toBeGreaterThanOrEqual(Math.min(...runs) * (1 - 1e-9));
      expect(e!.expectedSeconds).toBeLessThanOrEqual(Math.max(...runs) * (1 + 1e-9));
    }));
  });

  it("follows a name whose runs got slower: ten runs at 1,000 s after twenty at 100 s give over 700 s", () => {
    let e: ReturnType<typeof learnDuration> | undefined;
    for (let i = 0; i < 20; i++) e = learnDuration(e, 100, cfg);
    for (let i = 0; i < 10; i++) e = learnDuration(e, 1000, cfg);
    expect(e!.expectedSeconds).toBeGreaterThan(700);
  });
});

describe("createDurationBook", () => {
  it("knows nothing before a run finished, then the learned figure", () => {
    const book = createDurationBook(cfg);
    expect(book.expected(durationKey(1, "lint"))).toBeNull();
    book.record(durationKey(1, "lint"), 30);
    expect(book.expected(durationKey(1, "lint"))).toBe(30);
    expect(book.expected(durationKey(2, "lint"))).toBeNull();
  });

  it("forgets the key that finished longest ago past maxNames, and reloads a snapshot", () => {
    const book = createDurationBook(cfg);
    for (const k of ["a", "b", "c"]) book.record(k, 10);
    book.record("a", 10);
    book.record("d", 10);
    expect(Object.keys(book.snapshot()).sort()).toEqual(["a", "c", "d"]);
    const copy = createDurationBook(cfg);
    copy.load(book.snapshot());
    expect(copy.snapshot()).toEqual(book.snapshot());
  });
});

describe("predictionError", () => {
  it("reports the median relative and mean absolute error, and counts unknown predictions apart", () => {
    expect(predictionError([
      { predictedS: 100, actualS: 100 }, { predictedS: 150, actualS: 100 }, { predictedS: 50, actualS: 200 }, { predictedS: null, actualS: 5 },
    ])).toEqual({ predicted: 3, unknown: 1, medianAbsRelError: 0.5, meanAbsErrorS: (0 + 50 + 150) / 3 });
    expect(predictionError([])).toEqual({ predicted: 0, unknown: 0, medianAbsRelError: null, meanAbsErrorS: null });
  });
});
