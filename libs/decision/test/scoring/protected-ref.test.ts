import { describe, expect, it } from "vitest";
import { filterPlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("protectedRef", () => {
  it.each([
    [true, false, false],
    [true, true, true],
    [false, false, true],
    [false, true, true],
  ])("protected runner=%s, protected ref=%s → ok=%s", (protectedRunner, protectedRef, ok) => {
    expect(filterPlugins.protectedRef.filter(job({ protectedRef }), runner({ protected: protectedRunner })).ok).toBe(ok);
  });
});
