import type { PlacementJob, PlacementStep } from "./types.js";

/**
 * Deploy-order safety: a later commit never deploys before an earlier one to the same project and
 * environment. `oldestDeploy` is the queue's answer for this job; a later deploy waits.
 */
export function deployOrder(job: Pick<PlacementJob, "isDeploy" | "environment">, oldestDeploy: boolean): Extract<PlacementStep, { kind: "wait" }> | null {
  if (!job.isDeploy || oldestDeploy) return null;
  return { kind: "wait", rationale: `an earlier deploy to ${job.environment ?? "its environment"} is still held` };
}
