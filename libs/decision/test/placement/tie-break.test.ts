import { describe, expect, it } from "vitest";
import type { LlmTieBreak } from "@switchyard/contracts";
import { placeJob } from "../../src/index.js";
import { heldJob, placementInput, ranked } from "../fixtures.js";

const close = ranked({ "r-2": 80, "r-1": 75 });
const answer = (choice: string, accepted = true): LlmTieBreak => ({
  asked: true, skippedReason: null, model: "m", choice, accepted, reason: "same pipeline ran there", latencyMs: 10, auditId: "a-1",
});

describe("the LLM tie-break", () => {
  it("asks between the top two only when they are within the margin", () => {
    const step = placeJob(placementInput({ scores: close }));
    expect(step).toMatchObject({ kind: "ask-llm", ruleChoice: "r-2", first: { runnerId: "r-2" }, second: { runnerId: "r-1" } });
    expect(step.kind === "ask-llm" && step.question.openRunners.map((r) => r.runnerId)).toEqual(["r-1", "r-2"]);
    expect(placeJob(placementInput()).kind).toBe("place");
  });

  it("records why it was not asked when the tie-break is off, and the rule choice stands", () => {
    const step = placeJob(placementInput({ scores: close, tieBreakerOff: "no ANTHROPIC_API_KEY: tie-break off" }));
    expect(step).toMatchObject({ kind: "place", runnerId: "r-2", placement: { mode: "rule" }, llm: { asked: false, skippedReason: "no ANTHROPIC_API_KEY: tie-break off" } });
  });

  it("takes the LLM's accepted pick and says it overrode the rule", () => {
    const step = placeJob(placementInput({ scores: close, job: heldJob({ llm: answer("r-1") }) }));
    expect(step).toMatchObject({ kind: "place", runnerId: "r-1", placement: { mode: "llm", enforced: true } });
    expect(step.kind === "place" && step.placement.rationale).toMatch(/^LLM tie-break chose r-1 over r-2: same pipeline ran there; r-2 scored 80\.0/);
    expect(step.kind === "place" && step.llm).toBeUndefined();
  });

  it.each([
    { why: "the answer was refused", llm: answer("r-1", false), available: ["r-1", "r-2"] },
    { why: "its pick was taken by an earlier job of the round", llm: answer("r-1"), available: ["r-2", "r-3"] },
  ])("keeps the rule choice when $why", ({ llm, available }) => {
    const scores = ranked({ "r-2": 80, "r-1": 75, "r-3": 74 });
    expect(placeJob(placementInput({ scores, available, job: heldJob({ llm }) }))).toMatchObject({ kind: "place", runnerId: "r-2", placement: { mode: "rule" } });
  });
});
