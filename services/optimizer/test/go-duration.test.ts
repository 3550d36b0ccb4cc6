import { describe, expect, it } from "vitest";
import { GoDurationError, parseGoDuration } from "../src/sli/go-duration.js";

describe("parseGoDuration", () => {
  it.each([
    ["0", 0],
    ["300ms", 0.3],
    ["5m", 300],
    ["1m30s", 90],
    ["1.5h", 5400],
    ["2h45m", 9900],
    ["-1.5h", -5400],
    ["+10s", 10],
    ["1h0m0.5s", 3600.5],
    ["100ns", 100e-9],
    ["7us", 7e-6],
    ["7\u00b5s", 7e-6],
    ["7\u03bcs", 7e-6],
    [".5s", 0.5],
    ["1.s", 1],
  ])("reads %s as %f seconds, as Go's time.ParseDuration does", (text, seconds) => {
    expect(parseGoDuration(text)).toBeCloseTo(seconds, 12);
  });

  it.each([
    ["", "invalid duration"],
    ["5", "missing unit"],
    ["1h30", "missing unit"],
    ["1d", "unknown unit"],
    ["ms", "invalid duration"],
    [".s", "invalid duration"],
    ["1m 30s", "unknown unit"],
    ["-", "invalid duration"],
  ])("rejects %j (%s)", (text, reason) => {
    expect(() => parseGoDuration(text)).toThrow(GoDurationError);
    expect(() => parseGoDuration(text)).toThrow(reason);
  });
});
