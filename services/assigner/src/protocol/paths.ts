/**
 * The runner API routes Switchyard serves to its runners and calls upstream as a runner: GitLab's
 * API::Ci::Runner (lib/api/ci/runner.rb), mounted under /api/v4. gitlab-runner builds each from its
 * configured URL (network/gitlab.go: RequestJob, VerifyRunner, UnregisterRunner, UnregisterRunnerManager,
 * ResetToken, UpdateJob, PatchTrace, UploadRawArtifacts, DownloadArtifacts, GetRouterDiscovery).
 */
export const RUNNER_API = {
  /** POST: a runner asks for a job (201 job, 204 none; Ci::RegisterJobService). */
  jobRequest: "/api/v4/jobs/request",
  /** POST: a runner checks its token and learns its registration's id. */
  verify: "/api/v4/runners/verify",
  /** DELETE: a runner unregisters itself. */
  runners: "/api/v4/runners",
  /** DELETE: a runner removes one of its managers (system_id). */
  managers: "/api/v4/runners/managers",
  /** POST: a runner rotates its token. */
  resetToken: "/api/v4/runners/reset_authentication_token",
  /** GET: only with FF_USE_JOB_ROUTER (gitlab-runner router/client.go); Switchyard has no job router. */
  routerDiscovery: "/api/v4/runners/router/discovery",
} as const;

const JOBS = "/api/v4/jobs/";
/** `/api/v4/jobs/:id` and anything under it: the job's update, trace and artifacts, all JOB-TOKEN calls. */
const JOB_SCOPE = /^\/api\/v4\/jobs\/(\d+)(\/|$)/;

/** PUT: the job update (state, failure_reason), Ci::UpdateBuildStateService. */
export const jobPath = (jobId: number): string => `${JOBS}${jobId}`;
/** PATCH: a chunk of the job's log at Content-Range, Ci::AppendBuildTraceService. */
export const jobTracePath = (jobId: number): string => `${jobPath(jobId)}/trace`;

/** A call about one job, as it will be sent to GitLab. */
export interface JobRoute {
  jobId: number;
  /** The normalised path and query to send upstream. */
  path: string;
  /** What follows `/jobs/:id`: "" for the job update itself, `/trace`, `/artifacts`, ... */
  sub: string;
}

/**
 * Where a runner's call about one job goes, and the path-traversal guard in one: null for a path that
 * is not under /api/v4/jobs/:id at all (another route), "refused" for one that starts so but could
 * leave it. Workhorse and URL parsers resolve `.`/`..` segments (also written %2e) and some treat `\`
 * as `/`, so a raw `/api/v4/jobs/1/../../runners/all` would reach any GitLab endpoint through the
 * broker. Such paths are refused outright rather than normalised: gitlab-runner never sends them.
 */
export function matchJobRoute(rawUrl: string): JobRoute | "refused" | null {
  const q = rawUrl.indexOf("?");
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const raw = JOB_SCOPE.exec(rawPath);
  if (!raw) return null;
  if (rawPath.includes("\\") || /%(2f|5c|00)/i.test(rawPath)) return "refused";
  for (const segment of rawPath.split("/")) {
    let decoded: string;
    try { decoded = decodeURIComponent(segment); } catch { return "refused"; }
    if (decoded === "." || decoded === "..") return "refused";
  }
  // Belt and braces: the URL actually sent upstream must still name the same job.
  const sent = new URL(rawUrl, "http://gitlab.invalid");
  const normalised = JOB_SCOPE.exec(sent.pathname);
  if (!normalised || raw[1] !== normalised[1]) return "refused";
  const digits = normalised[1] ?? "";
  return { jobId: Number(digits), path: sent.pathname + sent.search, sub: sent.pathname.slice(JOBS.length + digits.length) };
}

/** True for the job update itself (PUT /jobs/:id), the call that carries the job's state. */
export const isJobUpdate = (method: string | undefined, route: JobRoute): boolean => method === "PUT" && route.sub === "";
