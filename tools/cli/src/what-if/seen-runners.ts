import { GitLabApiError, type GitLabHistoryApi, type GitLabRunnerDetail } from "@switchyard/gitlab-client";
import type { TraceJob } from "@switchyard/bench";

/**
 * The runners that ran the history, for a token that may not list every runner (`GET /runners/all`
 * needs an administrator): each one GitLab shows (`GET /runners/:id`) as it is, each one it refuses
 * with the tags of the jobs it ran (it had at least those) and untagged when it ran an untagged job.
 */
export async function seenRunners(api: GitLabHistoryApi, jobs: readonly TraceJob[], ranOn: ReadonlyMap<number, { runnerId: number | null }>): Promise<{ runners: GitLabRunnerDetail[]; inferred: number }> {
  const tagsOf = new Map<number, { tags: Set<string>; untagged: boolean }>();
  const poolOf = new Map(jobs.map((j) => [j.jobId, j.pool]));
  for (const [jobId, { runnerId }] of ranOn) {
    const pool = poolOf.get(jobId);
    if (runnerId === null || pool === undefined) continue;
    const t = tagsOf.get(runnerId) ?? { tags: new Set<string>(), untagged: false };
    if (pool === "untagged") t.untagged = true; else for (const tag of pool.split("+")) t.tags.add(tag);
    tagsOf.set(runnerId, t);
  }
  const runners: GitLabRunnerDetail[] = [];
  let inferred = 0;
  for (const [id, seen] of [...tagsOf].sort(([a], [b]) => a - b)) {
    try {
      runners.push(await api.runner(id));
    } catch (err) {
      if (!(err instanceof GitLabApiError) || (err.status !== 403 && err.status !== 404)) throw err;
      inferred++;
      runners.push({
        id, description: "", name: null, paused: false, status: "online", online: null, runnerType: null, isShared: false,
        tagList: [...seen.tags].sort(), runUntagged: seen.untagged, protected: false, locked: false, version: null, revision: null,
        platform: null, architecture: null, contactedAt: null, maximumTimeout: null,
      });
    }
  }
  return { runners, inferred };
}
