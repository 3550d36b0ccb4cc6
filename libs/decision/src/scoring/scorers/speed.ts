import type { ScorePlugin } from "../types.js";

/**
 * Prefers runners that run this job faster than the fleet: 50 at the fleet median,
 * 100 at twice as fast or better, 25 at twice as slow. No opinion without both medians.
 */
export const speed: ScorePlugin = {
  name: "speed",
  score(job, runner) {
    const own = runner.medianDurationByJobName?.[job.name];
    const fleet = runner.fleetMedianByJobName?.[job.name];
    if (own === undefined || fleet === undefined || !(fleet > 0)) return undefined;
    if (!(own > 0)) return 100;
    return Math.min(100, (50 * fleet) / own);
  },
};
