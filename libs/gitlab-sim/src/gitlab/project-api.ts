import type { GitLabState } from "./gitlab-state.js";
import { reply, replyMessage, route, type Route, type SimRequest } from "./http-kit.js";
import { createProjectDirectory, type SimEnvironment, type SimProject } from "./projects.js";
import type { RestEntities } from "./rest-entities.js";
import { paginate } from "./rest-api.js";

export interface ProjectApiDeps {
  state: GitLabState;
  entities: RestEntities;
  /** Auth and rate limit, shared with the rest of the REST API; false = already answered. */
  guard: (req: SimRequest) => boolean;
  serverUrl: () => string;
}

/** CommitStatus::AVAILABLE_STATUSES, the values lib/api/ci/jobs.rb accepts for `scope`. */
const JOB_SCOPES = new Set(["created", "waiting_for_resource", "preparing", "waiting_for_callback", "pending", "running", "success", "failed", "canceling", "canceled", "skipped", "manual", "scheduled"]);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The project side of the REST API, read-only, as a job-history reader needs it: a project, a group's
 * projects, a project's jobs (newest first, uncounted pages), environments and deployments.
 */
export function projectApiRoutes({ state, entities, guard, serverUrl }: ProjectApiDeps): Route[] {
  const directory = createProjectDirectory(state);
  const findProject = (req: SimRequest): SimProject | undefined => {
    const project = directory.project(req.params.project!);
    if (!project) replyMessage(req.res, 404, "404 Project Not Found");
    return project;
  };
  const projectEntity = (p: SimProject) => ({
    id: p.id, name: p.path, path: p.path, path_with_namespace: p.pathWithNamespace, name_with_namespace: p.pathWithNamespace.replace(/\//g, " / "),
    default_branch: p.defaultBranch, web_url: `https://gitlab.example.com/${p.pathWithNamespace}`,
    namespace: { id: p.namespace.id, name: p.namespace.path, path: p.namespace.path, kind: "group", full_path: p.namespace.fullPath },
  });
  const environmentBasic = (e: SimEnvironment) => ({ id: e.id, name: e.name, slug: e.name.toLowerCase().replace(/[^a-z0-9]+/g, "-"), external_url: null, created_at: null, updated_at: null });

  return [
    route("GET", "/api/v4/projects/:project", (req) => {
      if (!guard(req)) return;
      const project = findProject(req);
      if (project) reply(req.res, 200, projectEntity(project));
    }),
    // lib/api/groups.rb `get ":id/projects"`: include_subgroups (default false); counted pages.
    route("GET", "/api/v4/groups/:group/projects", (req) => {
      if (!guard(req)) return;
      const group = directory.group(req.params.group!);
      if (!group) return replyMessage(req.res, 404, "404 Group Not Found");
      const projects = directory.groupProjects(group, req.query.get("include_subgroups") === "true").sort((a, b) => b.id - a.id);
      paginate(req, serverUrl(), projects.map(projectEntity));
    }),
    // lib/api/ci/jobs.rb `get ':id/jobs'`: builds.order(id: :desc), filtered by scope (one value or scope[]),
    // paginate_with_strategies(..., paginator_params: { without_count: true }); an unknown scope is a 400.
    route("GET", "/api/v4/projects/:project/jobs", (req) => {
      if (!guard(req)) return;
      const project = findProject(req);
      if (!project) return;
      const scope = [...req.query.getAll("scope"), ...req.query.getAll("scope[]")];
      if (scope.some((s) => !JOB_SCOPES.has(s))) return replyMessage(req.res, 400, "400 Bad request - Scope contains invalid value(s)");
      const jobs = state.jobs().filter((j) => j.spec.projectId === project.id && (scope.length === 0 || scope.includes(j.status)))
        .sort((a, b) => b.id - a.id);
      paginate(req, serverUrl(), jobs, true, entities.job);
    }),
    // Entities::Environment: EnvironmentBasic plus tier and state.
    route("GET", "/api/v4/projects/:project/environments", (req) => {
      if (!guard(req)) return;
      const project = findProject(req);
      if (!project) return;
      paginate(req, serverUrl(), directory.environments(project.id).map((e) => ({ ...environmentBasic(e), tier: e.tier, state: "available" })));
    }),
    // lib/api/deployments.rb `get ':id/deployments'`: order_by id, sort asc by default, counted pages;
    // Entities::Deployment carries environment (EnvironmentBasic, no tier) and deployable (Entities::Ci::Job).
    route("GET", "/api/v4/projects/:project/deployments", (req) => {
      if (!guard(req)) return;
      const project = findProject(req);
      if (!project) return;
      const desc = req.query.get("sort") === "desc";
      const all = directory.deployments(project.id).map((d, i) => ({ ...d, iid: i + 1 }));
      const render = ({ job, environment, iid }: (typeof all)[number]) => ({
        id: job.id, iid, ref: job.spec.ref, sha: job.pipelineId.toString(16).padStart(40, "0"),
        created_at: iso(job.createdAt), updated_at: iso(job.updatedAt),
        user: { id: 1, username: "sim-user", name: "Sim User", state: "active" },
        environment: environmentBasic(environment), deployable: entities.job(job),
        status: job.status === "canceling" ? "running" : job.status,
      });
      paginate(req, serverUrl(), desc ? all.reverse() : all, false, render);
    }),
  ];
}
