import { describe, expect, it } from "vitest";
import { filterPlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("poolMatch", () => {
  it("lets through runners of the job's pool and names the other pool when rejecting", () => {
    expect(filterPlugins.poolMatch.filter(job({ pool: "linux" }), runner({ pool: "linux" }))).toEqual({ ok: true });
    expect(filterPlugins.poolMatch.filter(job({ pool: "linux" }), runner({ pool: "gpu" }))).toEqual({ ok: false, reason: "runner pool gpu is not linux" });
  });
});
