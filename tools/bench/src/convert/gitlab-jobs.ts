import type { RefClass, TraceJob } from "../trace/trace-job.js";

/** The fields of one entry of GitLab's `GET /projects/:id/jobs` (or pipeline jobs) response the converter reads. */
export interface GitlabJobJson {
  id: number;
  name: string;
  stage?: string;
  status: string;
  ref?: string;
  created_at: string;
  started_at?: string | null;
  finished_at?: string | null;
  duration?: number | null;
  queued_duration?: number | null;
  tag_list?: string[];
  environment?: { name?: string; tier?: string | null } | null;
  pipeline?: { id: number; project_id?: number; ref?: string; source?: string | null } | null;
  project?: { path_with_namespace?: string } | null;
}

/** How to read refs and projects that the job list does not spell out. */
export interface GitlabConvertOptions {
  /** The project's default branch (refs equal to it are ref_class default). Default "main". */
  defaultBranch?: string;
  /** Other protected refs (exact names or /regex/). */
  protectedRefs?: readonly string[];
  /** Project label when the entry carries neither project nor pipeline.project_id. */
  project?: string;
}

/** Converted jobs and the entries left out, each with why. */
export interface GitlabConvertResult {
  jobs: TraceJob[];
  skipped: { id: number | null; reason: string }[];
}

const NEVER_RAN = new Set(["created", "pending", "manual", "skipped", "scheduled", "waiting_for_resource", "preparing"]);

/**
 * Converts a GitLab jobs export (a JSON array, or several concatenated pages) to trace jobs.
 * A job becomes pending at `started_at − queued_duration` when both are known (after its upstream
 * stages, unlike `created_at`, which is the pipeline's creation); otherwise at `created_at`.
 * Duration is `duration`, else finished − started. The pool is the sorted tag list joined by "+"
 * ("untagged" without tags). Jobs that never ran (manual, skipped, still pending) are skipped.
 */
export function convertGitlabJobs(entries: unknown, opts: GitlabConvertOptions = {}): GitlabConvertResult {
  const list = Array.isArray(entries) ? entries.flat() : [];
  const defaultBranch = opts.defaultBranch ?? "main";
  const protectedMatchers = (opts.protectedRefs ?? []).map((p) =>
    p.startsWith("/") && p.endsWith("/") && p.length > 2 ? ((r: string) => new RegExp(p.slice(1, -1)).test(r)) : ((r: string) => r === p));
  const jobs: TraceJob[] = [];
  const skipped: GitlabConvertResult["skipped"] = [];
  for (const raw of list) {
    const e = raw as Partial<GitlabJobJson> | null;
    const id = typeof e?.id === "number" ? e.id : null;
    if (!e || id === null || typeof e.name !== "string" || typeof e.status !== "string") { skipped.push({ id, reason: "not a job entry" }); continue; }
    if (NEVER_RAN.has(e.status)) { skipped.push({ id, reason: `status ${e.status}: never ran` }); continue; }
    const created = epoch(e.created_at);
    const started = epoch(e.started_at);
    const finished = epoch(e.finished_at);
    const duration = typeof e.duration === "number" ? e.duration : started !== null && finished !== null ? finished - started : null;
    if (created === null) { skipped.push({ id, reason: "no created_at" }); continue; }
    if (duration === null) { skipped.push({ id, reason: "no duration" }); continue; }
    const pendingAt = started !== null && typeof e.queued_duration === "number" ? started - e.queued_duration : created;
    const ref = e.ref ?? e.pipeline?.ref ?? "";
    const source = e.pipeline?.source ?? null;
    const tags = [...(e.tag_list ?? [])].sort();
    jobs.push({
      jobId: id,
      createdAt: Math.max(created, pendingAt),
      project: e.project?.path_with_namespace ?? (e.pipeline?.project_id !== undefined ? String(e.pipeline.project_id) : opts.project ?? "project"),
      pipelineId: e.pipeline?.id ?? 0,
      refClass: refClassOf(ref, source, defaultBranch, protectedMatchers),
      pipelineSource: source,
      stage: e.stage ?? "test",
      name: e.name,
      pool: tags.length ? tags.join("+") : "untagged",
      environment: e.environment?.name ?? null,
      environmentTier: e.environment?.tier ?? null,
      durationS: Math.max(0, duration),
      status: e.status,
      injected: false,
      afterPipeline: false,
    });
  }
  jobs.sort((a, b) => a.createdAt - b.createdAt || a.jobId - b.jobId);
  return { jobs, skipped };
}

function refClassOf(ref: string, source: string | null, defaultBranch: string, protectedRefs: readonly ((r: string) => boolean)[]): RefClass {
  if (source === "merge_request_event" || ref.startsWith("refs/merge-requests/")) return "merge_request";
  if (ref === defaultBranch) return "default";
  if (protectedRefs.some((m) => m(ref))) return "protected";
  return "other";
}

function epoch(s: string | null | undefined): number | null {
  if (typeof s !== "string") return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms / 1000;
}
