import type { GitLabState } from "./gitlab-state.js";
import type { SimJob } from "./model.js";

/** A project as the simulator knows it: from the jobs it holds (a job spec names its project). */
export interface SimProject {
  id: number;
  path: string;
  pathWithNamespace: string;
  defaultBranch: string;
  namespace: SimGroup;
}

/** A group: the namespace part of project paths (`grp/sub/app` → `grp/sub`). */
export interface SimGroup {
  id: number;
  path: string;
  fullPath: string;
}

/** An environment of a project, named by the jobs that deploy to it. */
export interface SimEnvironment {
  id: number;
  name: string;
  tier: string;
  projectId: number;
}

/** The projects, groups and environments implied by the jobs in the state, built on each call. */
export interface ProjectDirectory {
  projects(): SimProject[];
  /** By numeric id or full path (`grp/app`, as the REST API accepts URL-encoded). */
  project(idOrPath: string): SimProject | undefined;
  group(idOrPath: string): SimGroup | undefined;
  /** Projects directly in the group, or in it and its subgroups. */
  groupProjects(group: SimGroup, includeSubgroups: boolean): SimProject[];
  environments(projectId: number): SimEnvironment[];
  /** A project's jobs that deployed (an environment with action `start`), oldest first. */
  deployments(projectId: number): { job: SimJob; environment: SimEnvironment }[];
}

/**
 * Derives projects and groups from the jobs' specs: the simulator has no project table, and a
 * project with no job has nothing the job APIs could list. Group ids are assigned by first
 * appearance of the namespace, starting at 1.
 */
export function createProjectDirectory(state: GitLabState): ProjectDirectory {
  const build = () => {
    const groups = new Map<string, SimGroup>();
    const projects = new Map<number, SimProject>();
    const envs = new Map<string, SimEnvironment>();
    const groupOf = (fullPath: string): SimGroup => {
      let g = groups.get(fullPath);
      if (!g) { g = { id: groups.size + 1, path: fullPath.split("/").pop()!, fullPath }; groups.set(fullPath, g); }
      return g;
    };
    for (const job of [...state.jobs()].sort((a, b) => a.id - b.id)) {
      const { spec } = job;
      if (!projects.has(spec.projectId)) {
        const parts = spec.projectPath.split("/");
        const ns = parts.length > 1 ? parts.slice(0, -1).join("/") : parts[0]!;
        for (let i = 1; i <= ns.split("/").length; i++) groupOf(ns.split("/").slice(0, i).join("/"));
        projects.set(spec.projectId, {
          id: spec.projectId, path: parts[parts.length - 1]!, pathWithNamespace: spec.projectPath,
          defaultBranch: spec.defaultBranch, namespace: groupOf(ns),
        });
      }
      if (spec.environment) {
        const key = `${spec.projectId}\u0000${spec.environment.name}`;
        if (!envs.has(key)) envs.set(key, { id: envs.size + 1, name: spec.environment.name, tier: spec.environment.tier, projectId: spec.projectId });
      }
    }
    return { groups, projects, envs };
  };
  const find = <T extends { id: number }>(items: Iterable<T>, idOrPath: string, pathOf: (t: T) => string): T | undefined => {
    const key = decodeURIComponent(idOrPath);
    for (const t of items) if (String(t.id) === key || pathOf(t) === key) return t;
    return undefined;
  };
  return {
    projects: () => [...build().projects.values()],
    project: (idOrPath) => find(build().projects.values(), idOrPath, (p) => p.pathWithNamespace),
    group: (idOrPath) => find(build().groups.values(), idOrPath, (g) => g.fullPath),
    groupProjects: (group, includeSubgroups) => [...build().projects.values()].filter((p) =>
      p.namespace.fullPath === group.fullPath || (includeSubgroups && p.namespace.fullPath.startsWith(`${group.fullPath}/`))),
    environments: (projectId) => [...build().envs.values()].filter((e) => e.projectId === projectId),
    deployments(projectId) {
      const envs = build().envs;
      return state.jobs().filter((j) => j.spec.projectId === projectId && j.spec.environment?.action === "start" && j.startedAt !== null)
        .sort((a, b) => a.id - b.id)
        .map((job) => ({ job, environment: envs.get(`${projectId}\u0000${job.spec.environment!.name}`)! }));
    },
  };
}
