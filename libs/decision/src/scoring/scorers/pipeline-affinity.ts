import type { ScorePlugin } from "../types.js";

/**
 * Prefers runners with warm caches: 100 if the runner recently ran this pipeline, 60 if this
 * project, 0 otherwise; no opinion when the runner has no history at all.
 */
export const pipelineAffinity: ScorePlugin = {
  name: "pipelineAffinity",
  score(job, runner) {
    const pipelines = runner.recentPipelines;
    const projects = runner.recentProjects;
    if (!pipelines?.length && !projects?.length) return undefined;
    if (job.pipelineId !== null && pipelines?.includes(job.pipelineId)) return 100;
    if (projects?.includes(job.projectId)) return 60;
    return 0;
  },
};
