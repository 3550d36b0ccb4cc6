import { describe, expect, it } from "vitest";
import { filterPlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("notPaused", () => {
  it("rejects a runner paused in GitLab", () => {
    expect(filterPlugins.notPaused.filter(job(), runner({ paused: true })).ok).toBe(false);
    expect(filterPlugins.notPaused.filter(job(), runner({ paused: false })).ok).toBe(true);
  });
});
