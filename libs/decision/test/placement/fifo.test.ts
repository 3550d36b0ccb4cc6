import { describe, expect, it } from "vitest";
import { placeJob } from "../../src/index.js";
import { heldJob, placementInput } from "../fixtures.js";

describe("FIFO placement", () => {
  it("falls back to the runner that asked first, enforced, when the scorer is unavailable (the breaker)", () => {
    const step = placeJob(placementInput({ scores: { kind: "unavailable", reason: "scorer breaker open" } }));
    expect(step).toEqual({
      kind: "place", runnerId: "r-1",
      placement: {
        mode: "fifo-fallback", enforced: true, fifoRunnerId: "r-1", rationale: "FIFO: r-1 asked first; scorer breaker open",
        reasons: [], candidates: [], margin: null, fallbackReason: "scorer breaker open",
      },
    });
  });

  it("places a job a rule sent to FIFO (approval rejected) without asking the scorer, and records it as not enforced", () => {
    const step = placeJob(placementInput({ job: heldJob({ fifoOnly: "approval rejected by cli" }), scores: { kind: "not-asked" } }));
    expect(step).toMatchObject({ kind: "place", runnerId: "r-1", placement: { mode: "rule", enforced: false, fallbackReason: null, rationale: "FIFO: r-1 asked first; approval rejected by cli" } });
  });

  it("waits when no runner is asking", () => {
    expect(placeJob(placementInput({ available: [] })).kind).toBe("wait");
  });
});
