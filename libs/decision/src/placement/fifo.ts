import type { Placement, PlacementStep } from "./types.js";

/**
 * Plain FIFO: the runner that asked first takes the job. `fifo-fallback` (the scorer slow,
 * failing or absent: the breaker) is enforced, since FIFO is then Switchyard's own decision; a
 * job sent to FIFO by a rule (approval rejected or timed out) is recorded as not enforced.
 */
export function fifoPlacement(fifoRunnerId: string, why: { mode: "rule" | "fifo-fallback"; reason: string }): Extract<PlacementStep, { kind: "place" }> {
  const placement: Placement = {
    mode: why.mode, enforced: why.mode === "fifo-fallback", fifoRunnerId, rationale: `FIFO: ${fifoRunnerId} asked first; ${why.reason}`,
    reasons: [], candidates: [], margin: null, fallbackReason: why.mode === "fifo-fallback" ? why.reason : null,
  };
  return { kind: "place", runnerId: fifoRunnerId, placement };
}
