import { GitLabApiError, type GitLabFleetApi, type GitLabRunnerDetail, type GitLabRunnerJob } from "@switchyard/gitlab-client";
import { mapLimit } from "./map-limit.js";

/** What GitLab said about one runner this poll. */
export type GitLabObservation =
  | { kind: "absent" }
  | { kind: "ok"; detail: GitLabRunnerDetail; jobs: GitLabRunnerJob[] }
  | { kind: "gone" }
  | { kind: "error"; error: GitLabApiError };

/** Reads runners' details and running jobs from GitLab, a few at a time. */
export interface GitLabSource {
  read(gitlabRunnerIds: readonly number[]): Promise<Map<number, GitLabObservation>>;
}

export interface GitLabSourceDeps {
  api: GitLabFleetApi;
  /** Runners read in parallel; keeps a large fleet from bursting GitLab's rate limit. */
  concurrency?: number;
}

/** Builds the GitLab side of a fleet read; a 404 means the runner was deleted in GitLab. */
export function createGitLabSource(deps: GitLabSourceDeps): GitLabSource {
  const concurrency = deps.concurrency ?? 8;

  async function readOne(id: number): Promise<GitLabObservation> {
    try {
      const [detail, jobs] = await Promise.all([deps.api.showRunner(id), deps.api.runningJobs(id)]);
      return { kind: "ok", detail, jobs };
    } catch (err) {
      const error = err instanceof GitLabApiError ? err : GitLabApiError.wrap(`read runner ${id}`, err);
      return error.status === 404 ? { kind: "gone" } : { kind: "error", error };
    }
  }

  return {
    async read(ids) {
      const unique = [...new Set(ids)];
      const observations = await mapLimit(unique, concurrency, readOne);
      return new Map(unique.map((id, i) => [id, observations[i] as GitLabObservation]));
    },
  };
}
