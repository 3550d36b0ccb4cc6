import type { ScorePlugin } from "../types.js";

/** Prefers runners with a larger share of their slots free: 100 × free / (running + free). */
export const freeCapacity: ScorePlugin = {
  name: "freeCapacity",
  score(_job, runner) {
    const capacity = runner.running + runner.freeSlots;
    return capacity > 0 ? (100 * runner.freeSlots) / capacity : undefined;
  },
};
