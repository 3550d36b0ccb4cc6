import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultQueueOrderConfig, durationShiftMs, queueKey, type QueueOrderConfig } from "../../src/index.js";

const cfg: QueueOrderConfig = {
  ...defaultQueueOrderConfig,
  durationShift: { perRunSecond: 1, maxSeconds: 1200, unknownSeconds: 600, maxWeight: 30 },
};

describe("durationShiftMs", () => {
  it.each([
    ["a 60 s job", 60, 60_000],
    ["a 900 s job", 900, 900_000],
    ["a 3,000 s job, at the cap", 3000, 1_200_000],
    ["an unknown name", null, 600_000],
    ["a nonsense estimate, as unknown", Number.NaN, 600_000],
  ])("shifts %s by its expected run time, capped", (_, expected, want) => {
    expect(durationShiftMs({ weight: 30, expectedDurationS: expected }, cfg)).toBe(want);
  });

  it("leaves classes above maxWeight in arrival order, and does nothing when perRunSecond is 0", () => {
    expect(durationShiftMs({ weight: 40, expectedDurationS: 900 }, cfg)).toBe(0);
    expect(durationShiftMs({ weight: 30, expectedDurationS: 900 }, { durationShift: { ...cfg.durationShift, perRunSecond: 0 } })).toBe(0);
  });

  it("puts the shorter of two same-class jobs queued together first", () => {
    const short = queueKey({ arrivedAt: 0, weight: 30, expectedDurationS: 120 }, cfg);
    const long = queueKey({ arrivedAt: 0, weight: 30, expectedDurationS: 2000 }, cfg);
    expect(short).toBeLessThan(long);
  });

  it("never lets a same-class job arriving more than maxSeconds later overtake (the aging cap, property)", () => {
    fc.assert(fc.property(
      fc.option(fc.double({ min: 0, max: 1e5, noNaN: true })), fc.option(fc.double({ min: 0, max: 1e5, noNaN: true })),
      fc.integer({ min: 1, max: 1e7 }),
      (a, b, extraMs) => {
        const first = queueKey({ arrivedAt: 0, weight: 30, expectedDurationS: a }, cfg);
        const later = queueKey({ arrivedAt: cfg.durationShift.maxSeconds * 1000 + extraMs, weight: 30, expectedDurationS: b }, cfg);
        expect(first).toBeLessThan(later);
      }));
  });

  it("never moves a job across a class band: a merge request never outranks protected work queued at the same time", () => {
    fc.assert(fc.property(fc.option(fc.double({ min: 0, max: 1e5, noNaN: true })), (mr) => {
      expect(queueKey({ arrivedAt: 0, weight: 40, expectedDurationS: 1e5 }, cfg))
        .toBeLessThan(queueKey({ arrivedAt: 0, weight: 30, expectedDurationS: mr }, cfg));
    }));
  });
});
