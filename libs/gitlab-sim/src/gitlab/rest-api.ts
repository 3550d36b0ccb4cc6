import type { GitLabState } from "./gitlab-state.js";
import { projectApiRoutes } from "./project-api.js";
import type { RestEntities } from "./rest-entities.js";
import { bodyParams, header, reply, replyMessage, route, type Route, type SimRequest } from "./http-kit.js";

/** REST knobs changeable at runtime. */
export interface RestKnobs {
  /** Requests per second allowed before 429; 0 = unlimited. */
  rateLimitPerSecond: number;
}

export interface RestApiDeps {
  state: GitLabState;
  entities: RestEntities;
  adminToken: string;
  knobs: RestKnobs;
  serverUrl: () => string;
}

/** Whether a REST request carries the admin PRIVATE-TOKEN (or a Bearer of it); answers 401 otherwise. */
export function requirePrivateToken(req: SimRequest, adminToken: string): boolean {
  const bearer = /^Bearer (.+)$/.exec(header(req, "authorization") ?? "")?.[1];
  if ((header(req, "private-token") ?? bearer) === adminToken) return true;
  replyMessage(req.res, 401, "401 Unauthorized");
  return false;
}

/**
 * Sends one page of `items` with GitLab's offset-pagination headers (Gitlab::Pagination::OffsetPagination
 * via OffsetHeaderBuilder#execute): X-Page, X-Per-Page, X-Next-Page, X-Prev-Page and Link always; X-Total,
 * X-Total-Pages and the `last` link only when counted. `withoutCount` is what lists paginated with
 * `without_count: true` send (lib/api/ci/jobs.rb `get ':id/jobs'`): no totals, no `last`. `render` maps the page's items.
 */
export function paginate<T>(req: SimRequest, serverUrl: string, items: readonly T[], withoutCount = false, render: (item: T) => unknown = (item) => item): void {
  const perPage = Math.min(100, Math.max(1, Number(req.query.get("per_page") ?? 20) || 20));
  const page = Math.max(1, Number(req.query.get("page") ?? 1) || 1);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string) => {
    const q = new URLSearchParams(req.query);
    q.set("page", String(p));
    q.set("per_page", String(perPage));
    return `<${serverUrl}${req.path}?${q.toString()}>; rel="${rel}"`;
  };
  const hasNext = page * perPage < items.length;
  const links = [page > 1 ? link(page - 1, "prev") : "", hasNext ? link(page + 1, "next") : "", link(1, "first"), withoutCount ? "" : link(totalPages, "last")].filter(Boolean);
  const counts = withoutCount ? {} : { "X-Total": String(items.length), "X-Total-Pages": String(totalPages) };
  // Only the page is rendered: a long job history is listed a page at a time.
  reply(req.res, 200, items.slice((page - 1) * perPage, page * perPage).map(render), {
    "X-Page": String(page), "X-Per-Page": String(perPage), ...counts,
    "X-Next-Page": hasNext ? String(page + 1) : "", "X-Prev-Page": page > 1 ? String(page - 1) : "", Link: links.join(", "),
  });
}

/**
 * The REST subset Switchyard uses: runners (list, show, jobs, pause), job show, cancel and retry, and the
 * job history `switchyard what-if` reads (project-api.ts).
 */
export function restApiRoutes({ state, entities, adminToken, knobs, serverUrl }: RestApiDeps): Route[] {
  let windowStart = 0;
  let windowCount = 0;
  /** Auth first (GitLab authenticates before throttling a user), then the rate-limit knob. */
  const guard = (req: SimRequest): boolean => {
    if (!requirePrivateToken(req, adminToken)) return false;
    if (knobs.rateLimitPerSecond <= 0) return true;
    const second = Math.floor(Date.now() / 1000);
    if (second !== windowStart) { windowStart = second; windowCount = 0; }
    windowCount++;
    if (windowCount <= knobs.rateLimitPerSecond) return true;
    reply(req.res, 429, "Retry later\n", {
      "Retry-After": "1", "RateLimit-Limit": String(knobs.rateLimitPerSecond), "RateLimit-Remaining": "0",
      "RateLimit-Reset": String(second + 1), "RateLimit-Name": "throttle_authenticated_api",
    });
    return false;
  };
  const listRunners = (req: SimRequest) => {
    if (!guard(req)) return;
    const { query } = req;
    const tags = (query.get("tag_list") ?? "").split(",").map((t) => t.trim()).filter(Boolean);
    const list = state.runners().filter((r) => {
      if (query.get("type") && r.runnerType !== query.get("type")) return false;
      if (query.get("paused") && String(r.paused) !== query.get("paused")) return false;
      const status = query.get("status");
      if (status === "paused" && !r.paused) return false;
      if (status === "active" && r.paused) return false;
      if (status && !["paused", "active"].includes(status) && entities.status(r) !== status) return false;
      return tags.every((t) => r.tags.includes(t));
    });
    paginate(req, serverUrl(), list.map(entities.runner));
  };
  const findRunner = (req: SimRequest) => {
    const runner = state.runner(Number(req.params.id));
    if (!runner) replyMessage(req.res, 404, "404 Runner Not Found");
    return runner;
  };

  return [
    ...projectApiRoutes({ state, entities, guard, serverUrl }),
    route("GET", "/api/v4/runners/all", listRunners),
    route("GET", "/api/v4/runners", listRunners),
    route("GET", "/api/v4/runners/:id", (req) => {
      if (!guard(req)) return;
      const runner = findRunner(req);
      if (runner) reply(req.res, 200, entities.runnerDetails(runner));
    }),
    route("PUT", "/api/v4/runners/:id", (req) => {
      if (!guard(req)) return;
      const runner = findRunner(req);
      if (!runner) return;
      const params = bodyParams(req) ?? Object.fromEntries(req.query);
      const merged = { ...Object.fromEntries(req.query), ...params };
      const paused = merged.paused ?? (merged.active === undefined ? undefined : String(merged.active) === "false");
      if (paused !== undefined) state.setPaused(runner.id, paused === true || paused === "true");
      if (typeof merged.description === "string") runner.description = merged.description;
      reply(req.res, 200, entities.runnerDetails(runner));
    }),
    // lib/api/ci/runners.rb GET /runners/:id/managers: Entities::Ci::RunnerManager for each manager.
    route("GET", "/api/v4/runners/:id/managers", (req) => {
      if (!guard(req)) return;
      const runner = findRunner(req);
      if (!runner) return;
      reply(req.res, 200, [...runner.managers.values()].map((m, i) => ({
        id: i + 1, system_id: m.systemId, version: m.version, revision: m.revision, platform: m.platform,
        architecture: m.architecture, created_at: new Date(m.createdAt).toISOString(),
        contacted_at: new Date(m.contactedAt).toISOString(), ip_address: m.ipAddress, status: entities.status(runner),
      })));
    }),
    route("GET", "/api/v4/runners/:id/jobs", (req) => {
      if (!guard(req)) return;
      const runner = findRunner(req);
      if (!runner) return;
      const status = req.query.get("status");
      const desc = req.query.get("sort") === "desc";
      const jobs = state.jobs().filter((j) => j.runnerId === runner.id && (!status || j.status === status))
        .sort((a, b) => (desc ? b.id - a.id : a.id - b.id));
      paginate(req, serverUrl(), jobs.map(entities.job));
    }),
    route("GET", "/api/v4/projects/:project/jobs/:id", (req) => {
      if (!guard(req)) return;
      const job = state.jobRecord(Number(req.params.id));
      if (!job || String(job.spec.projectId) !== req.params.project) return replyMessage(req.res, 404, "404 Job Not Found");
      reply(req.res, 200, entities.job(job));
    }),
    route("POST", "/api/v4/projects/:project/jobs/:id/cancel", (req) => {
      if (!guard(req)) return;
      const job = state.jobRecord(Number(req.params.id));
      if (!job || String(job.spec.projectId) !== req.params.project) return replyMessage(req.res, 404, "404 Job Not Found");
      const params = { ...Object.fromEntries(req.query), ...(bodyParams(req) ?? {}) };
      state.cancel(job.id, params.force === true || params.force === "true");
      reply(req.res, 201, entities.job(job));
    }),
    // lib/api/ci/jobs.rb `post ':id/jobs/:job_id/retry'`: Ci::RetryJobService; a job that is not retryable
    // answers 403 "403 Forbidden - Job is not retryable", a retried one 201 with the new job.
    route("POST", "/api/v4/projects/:project/jobs/:id/retry", (req) => {
      if (!guard(req)) return;
      const job = state.jobRecord(Number(req.params.id));
      if (!job || String(job.spec.projectId) !== req.params.project) return replyMessage(req.res, 404, "404 Job Not Found");
      const retried = state.retry(job.id);
      if (!retried) return replyMessage(req.res, 403, "403 Forbidden - Job is not retryable");
      reply(req.res, 201, entities.job(retried));
    }),
  ];
}
