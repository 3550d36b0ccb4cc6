import { describe, expect, it } from "vitest";
import { deployOrder, placeJob } from "../../src/index.js";
import { heldJob, placementInput } from "../fixtures.js";

describe("deploy order", () => {
  const deploy = heldJob({ isDeploy: true, environment: "production", environmentTier: "production" });

  it("holds back a deploy while an earlier one to the same environment is held, before asking the scorer", () => {
    expect(deployOrder(deploy, false)).toEqual({ kind: "wait", rationale: "an earlier deploy to production is still held" });
    expect(placeJob(placementInput({ job: deploy, oldestDeploy: false, scores: { kind: "not-asked" } })).kind).toBe("wait");
  });

  it("lets the oldest deploy and every other job go", () => {
    expect(deployOrder(deploy, true)).toBeNull();
    expect(deployOrder(heldJob(), false)).toBeNull();
  });
});
