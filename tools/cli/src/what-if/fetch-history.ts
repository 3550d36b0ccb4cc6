import type { GitLabHistoryApi, GitLabJobRecord, HistoryProject } from "@switchyard/gitlab-client";
import { convertGitlabJobs, type TraceJob } from "@switchyard/bench";

/** Which history to read: projects (id or path) and groups (id or path, subgroups included). */
export interface HistoryTargets {
  projects: readonly string[];
  groups: readonly string[];
}

/** Reads what the replay needs; `progress` hears every page of every project. */
export interface FetchHistoryDeps {
  api: GitLabHistoryApi;
  progress: (event: FetchProgress) => void;
}

/** A step of the read, for the progress bar. */
export type FetchProgress =
  | { kind: "projects"; total: number }
  | { kind: "page"; project: string; index: number; total: number; pages: number; jobs: number; done: boolean };

export interface FetchHistoryOptions {
  /** Epoch ms: jobs created before are not read. */
  since?: number;
  /** Per project, newest first. */
  maxJobsPerProject?: number;
  /** Extra protected refs (exact names or /regex/); the default branch is read from each project. */
  protectedRefs?: readonly string[];
}

/** The converted history: trace jobs, what GitLab recorded for each (queue time, runner), and what was left out. */
export interface JobHistory {
  projects: HistoryProject[];
  jobs: TraceJob[];
  /** Job id → the wait GitLab recorded (queued_duration, s) and the runner that ran it. */
  recorded: Map<number, { queuedS: number | null; runnerId: number | null }>;
  /** Entries the converter skipped, counted by reason. */
  skipped: Record<string, number>;
  fetched: number;
}

/**
 * Reads the job history of the targets over the REST API and converts it to trace jobs, one project
 * at a time (its default branch decides `ref_class default`). A job's environment comes from the
 * project's deployments and its tier from the environments list: the jobs list carries neither.
 */
export async function fetchJobHistory(deps: FetchHistoryDeps, targets: HistoryTargets, opts: FetchHistoryOptions = {}): Promise<JobHistory> {
  const byId = new Map<number, HistoryProject>();
  for (const p of targets.projects) { const project = await deps.api.project(p); byId.set(project.id, project); }
  for (const g of targets.groups) for (const project of await deps.api.groupProjects(g)) byId.set(project.id, project);
  const projects = [...byId.values()];
  deps.progress({ kind: "projects", total: projects.length });
  const history: JobHistory = { projects, jobs: [], recorded: new Map(), skipped: {}, fetched: 0 };
  for (const [index, project] of projects.entries()) {
    const records = await deps.api.projectJobs(project.id, {
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.maxJobsPerProject !== undefined ? { maxJobs: opts.maxJobsPerProject } : {}),
      onPage: ({ pages, items, done }) => deps.progress({ kind: "page", project: project.pathWithNamespace, index, total: projects.length, pages, jobs: items, done }),
    });
    history.fetched += records.length;
    // A deployment is created with its job, so none older than the oldest job read can matter.
    const oldest = records.reduce((m, r) => Math.min(m, Date.parse(String(r.created_at))), Infinity);
    const deployed = records.length ? await deps.api.deploymentJobs(project.id, Number.isFinite(oldest) ? oldest : undefined) : new Map<number, string>();
    const tiers = deployed.size ? await deps.api.environmentTiers(project.id) : new Map<string, string>();
    const entries = records.map((r) => withEnvironment(r, deployed, tiers));
    const { jobs, skipped } = convertGitlabJobs(entries, {
      defaultBranch: project.defaultBranch ?? "main", protectedRefs: opts.protectedRefs ?? [], project: project.pathWithNamespace,
    });
    // The jobs list's `project` carries no path (Entities::Ci::Job), so label every job with the project read.
    history.jobs.push(...jobs.map((j) => ({ ...j, project: project.pathWithNamespace })));
    for (const s of skipped) history.skipped[s.reason] = (history.skipped[s.reason] ?? 0) + 1;
    for (const r of records) {
      const runner = r.runner as { id?: unknown } | null | undefined;
      history.recorded.set(Number(r.id), {
        queuedS: typeof r.queued_duration === "number" ? r.queued_duration : null,
        runnerId: typeof runner?.id === "number" ? runner.id : null,
      });
    }
  }
  history.jobs.sort((a, b) => a.createdAt - b.createdAt || a.jobId - b.jobId);
  return history;
}

function withEnvironment(record: GitLabJobRecord, deployed: ReadonlyMap<number, string>, tiers: ReadonlyMap<string, string>): GitLabJobRecord {
  const name = deployed.get(Number(record.id));
  return name === undefined ? record : { ...record, environment: { name, tier: tiers.get(name) ?? null } };
}
