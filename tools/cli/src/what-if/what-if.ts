import { GitLabApiError, type GitLabHistoryApi, type GitLabRunnerDetail } from "@switchyard/gitlab-client";
import { fetchJobHistory, type FetchProgress, type HistoryTargets } from "./fetch-history.js";
import { buildReplayFleet, groupsFromCounts, groupsFromRunners, ranOnPools, type RunnerGroup } from "./replay-fleet.js";
import { replayHistory } from "./replay.js";
import { seenRunners } from "./seen-runners.js";
import { renderWhatIfReport, whatIfFigures, type WhatIfFigures } from "./report-html.js";

/** What the command was asked: where, what, and how to model the fleet. */
export interface WhatIfOptions {
  gitlabUrl: string;
  targets: HistoryTargets;
  since: number | null;
  maxJobsPerProject: number;
  protectedRefs: readonly string[];
  /** Runners per pool from `--runners`; null = the runners GitLab reports. */
  runnersPerPool: Readonly<Record<string, number>> | null;
  slotsPerRunner: number;
  sliSeconds: number;
}

/** The command's effects, passed in: the GitLab reader, progress, the clock. */
export interface WhatIfDeps {
  api: GitLabHistoryApi;
  progress: (e: FetchProgress) => void;
  now: () => Date;
}

/** The rendered page and its figures (for --json and tests). */
export interface WhatIfResult {
  html: string;
  figures: WhatIfFigures;
  projects: string[];
  groups: RunnerGroup[];
}

/** Reads the history, builds the fleet, replays it under each policy and renders the report. */
export async function runWhatIf(deps: WhatIfDeps, opts: WhatIfOptions): Promise<WhatIfResult> {
  const history = await fetchJobHistory({ api: deps.api, progress: deps.progress }, opts.targets, {
    ...(opts.since === null ? {} : { since: opts.since }), maxJobsPerProject: opts.maxJobsPerProject, protectedRefs: opts.protectedRefs,
  });
  let gitlabRunners: GitLabRunnerDetail[] = [];
  let groups: RunnerGroup[];
  let source: FleetSource = "flags";
  let inferred = 0;
  if (opts.runnersPerPool) groups = groupsFromCounts(opts.runnersPerPool);
  else {
    try {
      gitlabRunners = await deps.api.runners();
      source = "gitlab";
    } catch (err) {
      // Listing every runner needs an administrator; a read_api token still shows the runners that ran the jobs.
      if (!(err instanceof GitLabApiError) || err.status !== 403) throw err;
      ({ runners: gitlabRunners, inferred } = await seenRunners(deps.api, history.jobs, history.recorded));
      source = "history";
    }
    groups = groupsFromRunners(gitlabRunners);
    if (groups.length === 0) throw new WhatIfError("GitLab shows no runner for this token and no job names the runner that ran it; describe the fleet with --runners pool=count,...");
  }
  const fleet = buildReplayFleet(groups, history.jobs, ranOnPools(history.recorded, gitlabRunners, groups), { slotsPerRunner: opts.slotsPerRunner, speed: 1 });
  if (fleet.jobs.length === 0) throw new WhatIfError(`no finished job to replay (${history.fetched} read${Object.keys(history.skipped).length ? `; skipped: ${Object.entries(history.skipped).map(([r, n]) => `${n} ${r}`).join(", ")}` : ""})`);
  const load = replayHistory(fleet.jobs, fleet.fleet, opts.sliSeconds);
  const input = {
    generatedAt: deps.now(), gitlabOrigin: new URL(opts.gitlabUrl).origin, projects: history.projects.map((p) => p.pathWithNamespace),
    since: opts.since, fetched: history.fetched, skipped: history.skipped,
    fleet: { source, inferredRunners: inferred, groups, slotsPerRunner: opts.slotsPerRunner, speed: 1, unmatched: fleet.unmatched },
    sliSeconds: opts.sliSeconds, load,
    recordedWaits: new Map([...history.recorded].map(([id, r]) => [id, r.queuedS])),
  };
  return { html: renderWhatIfReport(input), figures: whatIfFigures(input), projects: input.projects, groups };
}

/** Where the replayed fleet came from: every runner GitLab lists, the runners that ran the history, or --runners. */
export type FleetSource = "gitlab" | "history" | "flags";

/** A what-if that cannot produce a report for a reason the operator can fix. */
export class WhatIfError extends Error {
  override readonly name = "WhatIfError";
}
