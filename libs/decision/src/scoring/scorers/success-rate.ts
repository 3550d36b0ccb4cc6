import type { ScorePlugin } from "../types.js";

/** Prefers runners whose recent jobs did not fail through the runner's fault: 100 × success rate. */
export const successRate: ScorePlugin = {
  name: "successRate",
  score: (_job, runner) => (runner.successRate === null ? undefined : 100 * runner.successRate),
};
