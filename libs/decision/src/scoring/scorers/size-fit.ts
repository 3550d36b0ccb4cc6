import type { ScorePlugin } from "../types.js";

const MAX_CPUS_LOG2 = 5; // 32 CPUs count as the biggest machine
const LONG_JOB_MINUTES = 60; // an hour-long job counts as the longest

/**
 * Matches machine size to expected job length (the fleet median for the job's name): long jobs
 * to big machines, short ones to small machines, keeping big machines free for long work.
 * Both are placed on a 0..1 log scale; score = 100 × (1 − distance). No opinion without cpus or a median.
 */
export const sizeFit: ScorePlugin = {
  name: "sizeFit",
  score(job, runner) {
    const expectedSeconds = runner.fleetMedianByJobName?.[job.name];
    if (runner.cpus === null || expectedSeconds === undefined) return undefined;
    const size = clamp01(Math.log2(Math.max(1, runner.cpus)) / MAX_CPUS_LOG2);
    const length = clamp01(Math.log2(1 + Math.max(0, expectedSeconds) / 60) / Math.log2(1 + LONG_JOB_MINUTES));
    return 100 * (1 - Math.abs(size - length));
  },
};

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
