import { describe, expect, it } from "vitest";
import { approvalOutcome, approverLabel, needsApproval, placeJob } from "../../src/index.js";
import { heldJob, placementInput } from "../fixtures.js";

describe("approval of supervised jobs", () => {
  it("asks a human about a supervised job with the rule's proposal and what FIFO would do", () => {
    const step = placeJob(placementInput({ job: heldJob({ tier: "supervised" }) }));
    expect(step).toMatchObject({ kind: "ask-human", proposedRunnerId: "r-2", fifoRunnerId: "r-1" });
    expect(step.kind === "ask-human" && step.rationale).toMatch(/^r-2 scored 90\.0/);
  });

  it("places an approved job as proposed and names the approver in the rationale", () => {
    const approval = { state: "approved" as const, by: "cli", claimedBy: "alice", at: 5 };
    const step = placeJob(placementInput({ job: heldJob({ tier: "supervised", ...approvalOutcome(approval) }) }));
    expect(step).toMatchObject({ kind: "place", runnerId: "r-2", placement: { enforced: true, mode: "rule" } });
    expect(step.kind === "place" && step.placement.rationale).toMatch(/\(approved by cli \(as alice\)\)$/);
  });

  it.each([
    { verdict: { state: "rejected" as const, by: "dashboard", claimedBy: null, at: 5 }, fifoOnly: "approval rejected by dashboard" },
    { verdict: { state: "timed-out" as const, by: null, claimedBy: null, at: 5 }, fifoOnly: "no approval within the window: safe default" },
  ])("sends a job to FIFO when the verdict is $verdict.state", ({ verdict, fifoOnly }) => {
    const outcome = approvalOutcome(verdict);
    expect(outcome).toEqual({ approval: verdict, fifoOnly });
    const step = placeJob(placementInput({ job: heldJob({ tier: "supervised", ...outcome }) }));
    expect(step).toMatchObject({ kind: "place", runnerId: "r-1", placement: { rationale: `FIFO: r-1 asked first; ${fifoOnly}` } });
  });

  it("asks only about supervised jobs without a verdict", () => {
    expect(needsApproval(heldJob({ tier: "supervised" }))).toBe(true);
    expect(needsApproval(heldJob({ tier: "autonomous" }))).toBe(false);
    expect(needsApproval(heldJob({ tier: "supervised", approval: { state: "approved", by: "cli", at: 1 } }))).toBe(false);
  });

  it("labels the principal alone when the given name matches or is absent", () => {
    expect(approverLabel({ by: "cli", claimedBy: "cli" })).toBe("cli");
    expect(approverLabel({ by: "bob", claimedBy: null })).toBe("bob");
  });
});
