import { describe, expect, it } from "vitest";
import { defaultQueueOrderConfig, queueKey } from "../../src/index.js";

// Class head start alone; the duration shift has its own tests (duration-shift.test.ts).
const cfg = { ...defaultQueueOrderConfig, durationShift: { ...defaultQueueOrderConfig.durationShift, perRunSecond: 0 } };

describe("queueKey", () => {
  it("gives each weight point secondsPerWeightPoint of head start", () => {
    expect(queueKey({ arrivedAt: 1_000_000, weight: 0 }, cfg)).toBe(1_000_000);
    expect(queueKey({ arrivedAt: 1_000_000, weight: 2 }, cfg)).toBe(1_000_000 - 2 * cfg.secondsPerWeightPoint * 1000);
  });

  it("orders a later high-class job before an earlier low-class one inside the head-start window only", () => {
    const lint = { arrivedAt: 0, weight: 20 };
    const deploySoonAfter = { arrivedAt: 60_000, weight: 100 };
    const deployMuchLater = { arrivedAt: 80 * cfg.secondsPerWeightPoint * 1000 + 1, weight: 100 };
    expect(queueKey(deploySoonAfter, cfg)).toBeLessThan(queueKey(lint, cfg));
    expect(queueKey(deployMuchLater, cfg)).toBeGreaterThan(queueKey(lint, cfg));
  });
});
