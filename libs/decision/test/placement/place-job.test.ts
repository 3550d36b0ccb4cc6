import { describe, expect, it } from "vitest";
import { placeJob, toJobQueued } from "../../src/index.js";
import { heldJob, placementInput, ranked } from "../fixtures.js";

describe("placeJob", () => {
  it("asks the scorer about the longest-waiting runners, at most maxCandidates", () => {
    const available = ["r-1", "r-2", "r-3"];
    const step = placeJob(placementInput({ available, scores: { kind: "not-asked" }, config: { marginRatio: 0.15, maxCandidates: 2 } }));
    expect(step).toEqual({ kind: "ask-scorer", request: toJobQueued(heldJob(), ["r-1", "r-2"]) });
  });

  it("counts only candidates still available this round", () => {
    const step = placeJob(placementInput({ available: ["r-1", "r-3"], scores: ranked({ "r-2": 90, "r-3": 60, "r-1": 40 }) }));
    expect(step).toMatchObject({ kind: "place", runnerId: "r-3" });
    expect(step.kind === "place" && step.placement.candidates.map((c) => c.runnerId)).toEqual(["r-3", "r-1"]);
  });

  it("skips the job this round when no available runner is a candidate", () => {
    const step = placeJob(placementInput({ available: ["r-9"], scores: ranked({ "r-2": 90 }) }));
    expect(step).toEqual({ kind: "skip", rationale: "no open runner passed the filters" });
  });

  it("is a pure function of its input: the same input gives the same step", () => {
    const input = placementInput({ scores: ranked({ "r-2": 80, "r-1": 75 }), tieBreakerOff: "off" });
    expect(placeJob(input)).toEqual(placeJob(structuredClone(input)));
  });
});
