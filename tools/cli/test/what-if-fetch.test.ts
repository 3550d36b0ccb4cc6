import { describe, expect, it } from "vitest";
import { GitLabApiError, type GitLabHistoryApi, type GitLabJobRecord } from "@switchyard/gitlab-client";
import { fetchJobHistory, type FetchProgress } from "../src/what-if/fetch-history.js";
import { createProgressBar } from "../src/what-if/progress-bar.js";
import { runWhatIf } from "../src/what-if/what-if.js";

const iso = (s: number) => new Date(Date.UTC(2026, 2, 2) + s * 1000).toISOString();
/** A job as GitLab's jobs list has it: no project path, no environment. */
const record = (id: number, over: Record<string, unknown> = {}): GitLabJobRecord => ({
  id, name: `job-${id}`, stage: "test", status: "success", ref: "main", created_at: iso(id), started_at: iso(id + 30), finished_at: iso(id + 90),
  duration: 60, queued_duration: 20, tag_list: ["linux"], pipeline: { id: 1, project_id: 5, ref: "main", source: "push" }, runner: { id: 3 }, ...over,
});

function fakeApi(calls: string[]): GitLabHistoryApi {
  return {
    project: async (p) => { calls.push(`project ${p}`); return { id: 5, pathWithNamespace: "grp/app", defaultBranch: "trunk" }; },
    groupProjects: async (g) => { calls.push(`group ${g}`); return [{ id: 5, pathWithNamespace: "grp/app", defaultBranch: "trunk" }, { id: 6, pathWithNamespace: "grp/empty", defaultBranch: null }]; },
    projectJobs: async (id, opts) => {
      calls.push(`jobs ${id} since=${opts?.since ?? "-"} max=${opts?.maxJobs ?? "-"}`);
      if (id === 6) { opts?.onPage?.({ pages: 1, items: 0, done: true }); return []; }
      opts?.onPage?.({ pages: 1, items: 2, done: false });
      opts?.onPage?.({ pages: 2, items: 3, done: true });
      return [record(300, { ref: "trunk" }), record(200, { status: "manual", started_at: null }), record(100, { ref: "feature" })];
    },
    deploymentJobs: async (id, since) => { calls.push(`deployments ${id} since=${since}`); return new Map([[300, "prod-eu"]]); },
    environmentTiers: async (id) => { calls.push(`environments ${id}`); return new Map([["prod-eu", "production"]]); },
    runners: async () => [],
    runner: async (id) => { throw new GitLabApiError(`show runner ${id}: HTTP 404`, 404, false); },
  };
}

describe("fetchJobHistory", () => {
  it("reads each project once, labels its jobs with its path and default branch, and takes environment and tier from deployments", async () => {
    const calls: string[] = [];
    const progress: FetchProgress[] = [];
    const h = await fetchJobHistory({ api: fakeApi(calls), progress: (e) => progress.push(e) }, { projects: ["grp/app"], groups: ["grp"] }, { since: 50_000, maxJobsPerProject: 10 });
    expect(h.projects.map((p) => p.pathWithNamespace)).toEqual(["grp/app", "grp/empty"]);
    expect(calls).toEqual([
      "project grp/app", "group grp", "jobs 5 since=50000 max=10",
      `deployments 5 since=${Date.parse(iso(100))}`, "environments 5", "jobs 6 since=50000 max=10",
    ]);
    expect(h.jobs.map((j) => [j.jobId, j.project, j.refClass, j.environment, j.environmentTier])).toEqual([
      [100, "grp/app", "other", null, null], [300, "grp/app", "default", "prod-eu", "production"],
    ]);
    expect(h.skipped).toEqual({ "status manual: never ran": 1 });
    expect(h.fetched).toBe(3);
    expect(h.recorded.get(300)).toEqual({ queuedS: 20, runnerId: 3 });
    expect(progress[0]).toEqual({ kind: "projects", total: 2 });
    expect(progress.filter((e) => e.kind === "page" && e.done).map((e) => e.kind === "page" && e.project)).toEqual(["grp/app", "grp/empty"]);
  });
});

describe("progress bar", () => {
  it("redraws one line on a terminal and prints one line per finished project elsewhere", () => {
    const tty: string[] = [], pipe: string[] = [];
    const events: FetchProgress[] = [{ kind: "projects", total: 2 }, { kind: "page", project: "a", index: 0, total: 2, pages: 1, jobs: 100, done: false },
      { kind: "page", project: "a", index: 0, total: 2, pages: 2, jobs: 1500, done: true }];
    const t = createProgressBar({ write: (s) => tty.push(s), isTTY: true });
    const p = createProgressBar({ write: (s) => pipe.push(s), isTTY: false });
    for (const e of events) { t.update(e); p.update(e); }
    t.end(); p.end();
    expect(tty.slice(1, 3).every((s) => s.startsWith("\r\x1b[2K"))).toBe(true);
    expect(tty.at(-1)).toBe("\n");
    expect(pipe).toEqual(["reading the job history of 2 projects\n", "[############............] 1/2 projects · a: 1,500 jobs, 2 pages\n"]);
  });
});

describe("runWhatIf without an administrator's token", () => {
  it("replays on the runners that ran the jobs: shown by GitLab where it may, else with the tags of the jobs they ran", async () => {
    const calls: string[] = [];
    const api = fakeApi(calls);
    api.runners = async () => { throw new GitLabApiError("list runners: GET /api/v4/runners/all: HTTP 403 403 Forbidden", 403, false); };
    api.projectJobs = async () => [record(100, { runner: { id: 3 } }), record(200, { runner: { id: 4 }, tag_list: ["docker", "linux"] }), record(300, { runner: { id: 4 }, tag_list: [] })];
    api.runner = async (id) => {
      calls.push(`runner ${id}`);
      if (id === 4) throw new GitLabApiError("show runner 4: HTTP 403", 403, false);
      return { id, description: "", name: null, paused: false, status: "online", online: true, runnerType: "instance_type", isShared: true,
        tagList: ["linux"], runUntagged: false, protected: false, locked: false, version: null, revision: null, platform: null, architecture: null, contactedAt: null, maximumTimeout: null };
    };
    const result = await runWhatIf({ api, progress: () => undefined, now: () => new Date(0) }, {
      gitlabUrl: "https://gitlab.example.com", targets: { projects: ["grp/app"], groups: [] }, since: null, maxJobsPerProject: 100,
      protectedRefs: [], runnersPerPool: null, slotsPerRunner: 1, sliSeconds: 300,
    });
    expect(calls.filter((c) => c.startsWith("runner"))).toEqual(["runner 3", "runner 4"]);
    expect(result.groups.map((g) => [g.pool, g.runners, g.runUntagged])).toEqual([["linux", 1, false], ["docker+linux(+untagged)", 1, true]]);
    expect(result.figures.policies[0]!.unplaced).toBe(0);
    expect(result.html).toContain("1 of them GitLab would not show, so their tags are those of the jobs they ran");
  });
});
