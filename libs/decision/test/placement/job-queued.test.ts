import { describe, expect, it } from "vitest";
import { contracts } from "@switchyard/contracts";
import { toJobQueued } from "../../src/index.js";
import { heldJob } from "../fixtures.js";

describe("toJobQueued", () => {
  it("gives the scorer a valid, secret-free view with each asking runner as one free slot", () => {
    const q = toJobQueued(heldJob({ environment: "production", environmentTier: "production", environmentAction: "start", queueKey: 500 }), ["r-1", "r-2"]);
    expect(contracts.jobQueued.schema.parse(q)).toEqual(q);
    expect(q).toMatchObject({
      priority: -500, environment: { name: "production", tier: "production", action: "start" },
      openRunners: [{ runnerId: "r-1", freeSlots: 1 }, { runnerId: "r-2", freeSlots: 1 }],
    });
  });

  it("truncates author-controlled text to the contract's limits", () => {
    const q = toJobQueued(heldJob({ name: "n".repeat(600), stage: "s".repeat(300), ref: "r".repeat(600) }), []);
    expect([q.name.length, q.stage.length, q.ref?.length]).toEqual([512, 255, 512]);
  });
});
