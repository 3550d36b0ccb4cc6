import { Deployments, Environments, Groups, Jobs, Projects, Runners } from "@gitbeaker/rest";
import { connectionOf, doing, type GitLabClientOptions } from "./gitlab-client.js";
import { toRunner, toRunnerDetail } from "./runner-mapping.js";
import type { GitLabRunnerDetail } from "./types.js";

type Raw = Record<string, unknown>;
const FINISHED = ["success", "failed", "canceled"] as const;

/** A project whose job history is read. */
export interface HistoryProject {
  readonly id: number;
  readonly pathWithNamespace: string;
  readonly defaultBranch: string | null;
}

/** One job as `GET /projects/:id/jobs` sent it (snake_case, untouched): the trace converter reads GitLab's shape. */
export type GitLabJobRecord = Readonly<Record<string, unknown>>;

/** Where a paged read stands, for a progress display: pages and items so far. */
export type PageProgress = (info: { pages: number; items: number; done: boolean }) => void;

/** Read-only REST calls that build a job history; every error is a GitLabApiError. A read_api token is enough, except for `runners`. */
export interface GitLabHistoryApi {
  /** A project by numeric id or full path. */
  project(idOrPath: string): Promise<HistoryProject>;
  /** Every project of a group and its subgroups. */
  groupProjects(idOrPath: string): Promise<HistoryProject[]>;
  /**
   * The project's finished jobs (success, failed, canceled), newest first, page by page (`GET /projects/:id/jobs` has no total: GitLab
   * counts nothing there), until a page ends before `since` (epoch ms, by created_at), `maxJobs`
   * were read, or the list ends. Jobs older than `since` are dropped.
   */
  projectJobs(projectId: number, opts?: { since?: number; maxJobs?: number; onPage?: PageProgress }): Promise<GitLabJobRecord[]>;
  /** Environment name → tier (`GET /projects/:id/environments`; deployments name the environment, only this list has the tier). */
  environmentTiers(projectId: number): Promise<Map<string, string>>;
  /** Job id → environment name of the deployments jobs made (`GET /projects/:id/deployments`, newest first), back to `since` (epoch ms, by created_at). */
  deploymentJobs(projectId: number, since?: number): Promise<Map<number, string>>;
  /** Every runner with its tags (`GET /runners/all`, then `GET /runners/:id` each: an administrator's token; 403 otherwise). */
  runners(): Promise<GitLabRunnerDetail[]>;
  /** One runner with its tags (`GET /runners/:id`: instance runners, or runners the token may read). */
  runner(runnerId: number): Promise<GitLabRunnerDetail>;
}

/** Builds the history reader over @gitbeaker/rest, with the fleet client's retries (429 Retry-After honoured). */
export function createGitLabHistoryClient(options: GitLabClientOptions): GitLabHistoryApi {
  const connection = connectionOf(options);
  const perPage = options.perPage ?? 100;
  const projects = new Projects(connection);
  const groups = new Groups(connection);
  const jobs = new Jobs(connection);
  const environments = new Environments(connection);
  const deployments = new Deployments(connection);
  const runners = new Runners(connection);
  const toProject = (raw: Raw): HistoryProject => ({
    id: Number(raw.id), pathWithNamespace: String(raw.path_with_namespace ?? raw.id),
    defaultBranch: typeof raw.default_branch === "string" ? raw.default_branch : null,
  });

  return {
    project: (idOrPath) => doing(`show project ${idOrPath}`, async () => toProject((await projects.show(idOrPath)) as unknown as Raw)),
    groupProjects: (idOrPath) => doing(`list projects of group ${idOrPath}`, async () =>
      ((await groups.allProjects(idOrPath, { includeSubgroups: true, perPage })) as unknown as Raw[]).map(toProject)),
    projectJobs: (projectId, opts = {}) => doing(`list jobs of project ${projectId}`, async () => {
      const out: GitLabJobRecord[] = [];
      let page: number | null = 1;
      let pages = 0;
      // Page by page (gitbeaker fetches only the asked page when `page` is given), so progress can be shown
      // and the read can stop at `since` instead of walking a project's whole history.
      while (page !== null) {
        // Finished jobs only (lib/api/ci/jobs.rb `scope`, an array: scope[]=…): pending, running, manual or skipped
        // ones have no run to replay. gitbeaker types `scope` as one value; its query string writes arrays as scope[].
        const res = (await jobs.all(projectId, { scope: FINISHED as unknown as "success", page, perPage, showExpanded: true })) as unknown as { data: Raw[]; paginationInfo: { next: number | null } };
        pages++;
        let older = false;
        for (const job of res.data) {
          const created = Date.parse(String(job.created_at));
          if (opts.since !== undefined && created < opts.since) { older = true; continue; }
          out.push(job);
        }
        const full = opts.maxJobs !== undefined && out.length >= opts.maxJobs;
        page = older || full ? null : res.paginationInfo.next;
        opts.onPage?.({ pages, items: out.length, done: page === null });
      }
      return opts.maxJobs === undefined ? out : out.slice(0, opts.maxJobs);
    }),
    environmentTiers: (projectId) => doing(`list environments of project ${projectId}`, async () => {
      const list = (await environments.all(projectId, { perPage })) as unknown as Raw[];
      return new Map(list.filter((e) => typeof e.tier === "string").map((e) => [String(e.name), String(e.tier)]));
    }),
    deploymentJobs: (projectId, since) => doing(`list deployments of project ${projectId}`, async () => {
      const out = new Map<number, string>();
      // Newest first, page by page, so a read bounded by `since` stops there instead of walking every deployment ever made.
      for (let page: number | null = 1; page !== null;) {
        const res = (await deployments.all(projectId, { sort: "desc", page, perPage, showExpanded: true })) as unknown as { data: Raw[]; paginationInfo: { next: number | null } };
        let older = false;
        for (const d of res.data) {
          if (since !== undefined && Date.parse(String(d.created_at)) < since) { older = true; continue; }
          const job = d.deployable as Raw | null | undefined;
          const env = d.environment as Raw | null | undefined;
          if (typeof job?.id === "number" && typeof env?.name === "string") out.set(job.id, env.name);
        }
        page = older ? null : res.paginationInfo.next;
      }
      return out;
    }),
    runner: (runnerId) => doing(`show runner ${runnerId}`, async () => toRunnerDetail((await runners.show(runnerId)) as unknown as Raw)),
    runners: () => doing("list runners", async () => {
      const listed = ((await runners.all({ perPage })) as unknown as Raw[]).map(toRunner);
      const out: GitLabRunnerDetail[] = [];
      for (const r of listed) out.push(toRunnerDetail((await runners.show(r.id)) as unknown as Raw));
      return out;
    }),
  };
}
