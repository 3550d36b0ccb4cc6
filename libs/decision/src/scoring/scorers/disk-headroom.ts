import type { ScorePlugin } from "../types.js";

/** Prefers runners with free disk: 100 × (1 − used ratio); no opinion when disk usage is unknown. */
export const diskHeadroom: ScorePlugin = {
  name: "diskHeadroom",
  score: (_job, runner) => (runner.diskUsedRatio === null ? undefined : 100 * (1 - runner.diskUsedRatio)),
};
