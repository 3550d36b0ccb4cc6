import type { JobApproval, PlacementJob } from "./types.js";

/** A supervised job waits for a human's verdict before it is placed (asked once). */
export function needsApproval(job: Pick<PlacementJob, "tier" | "approval">): boolean {
  return job.tier === "supervised" && !job.approval;
}

/** What a verdict means for the job: approved → placed as proposed; otherwise plain FIFO, the safe default, with why. */
export function approvalOutcome(verdict: JobApproval): Pick<PlacementJob, "approval" | "fifoOnly"> {
  if (verdict.state === "approved") return { approval: verdict };
  return {
    approval: verdict,
    fifoOnly: verdict.state === "rejected" ? `approval rejected by ${approverLabel(verdict)}` : "no approval within the window: safe default",
  };
}

/** The authenticated principal, with the name the human gave when it differs ("cli (as alice)"). */
export function approverLabel(approval: Pick<JobApproval, "by" | "claimedBy">): string {
  return approval.claimedBy && approval.claimedBy !== approval.by ? `${approval.by} (as ${approval.claimedBy})` : `${approval.by}`;
}
