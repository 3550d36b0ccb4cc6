import { describe, expect, it } from "vitest";
import { isEnforced, placeJob } from "../../src/index.js";
import { heldJob, placementInput } from "../fixtures.js";

describe("trust tiers", () => {
  it.each([
    { tier: "advisory", enforced: false, runnerId: "r-1" },
    { tier: "autonomous", enforced: true, runnerId: "r-2" },
  ])("$tier: the job goes to $runnerId (enforced: $enforced)", ({ tier, enforced, runnerId }) => {
    expect(isEnforced(tier)).toBe(enforced);
    const step = placeJob(placementInput({ job: heldJob({ tier }) }));
    expect(step).toMatchObject({ kind: "place", runnerId, placement: { enforced, fifoRunnerId: "r-1", mode: "rule", margin: 50 / 90 } });
  });

  it("publishes what Switchyard would have done with an advisory job that FIFO placed", () => {
    const step = placeJob(placementInput({ job: heldJob({ tier: "advisory" }) }));
    expect(step.kind === "place" && step.placement.rationale).toBe("advisory: FIFO gave it to r-1; Switchyard would pick r-2 scored 90.0, 56% ahead of r-1 (freeCapacity 90×1.0)");
  });
});
