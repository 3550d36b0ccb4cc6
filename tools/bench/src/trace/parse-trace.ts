import { parseCsv, toCsv } from "./csv.js";
import { RefClass, TRACE_COLUMNS, type TraceJob } from "./trace-job.js";

/** A trace that cannot be read; lists every problem found (at most 20). */
export class TraceError extends Error {
  readonly code = "TRACE_INVALID";
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    super(`invalid trace:\n  - ${problems.join("\n  - ")}`);
    this.name = "TraceError";
  }
}

/** Options for reading a trace whose columns leave something implicit. */
export interface ParseTraceOptions {
  /** Project for rows without a `project` column (single-project traces). Default "project". */
  defaultProject?: string;
  /** How to read ref_class `other` when a row has no pipeline_source (the Bitcoin Core trace: PRs). */
  otherRefIs?: RefClass;
}

/** Accepted spellings per column; the first is the canonical name the writer uses. */
const ALIASES: Record<string, readonly string[]> = {
  job_id: ["job_id", "id"],
  created_at: ["created_at", "created"],
  project: ["project", "project_path"],
  pipeline_id: ["pipeline_id", "pipeline"],
  ref_class: ["ref_class"],
  pipeline_source: ["pipeline_source", "source"],
  stage: ["stage"],
  job_name: ["job_name", "name"],
  pool: ["pool", "os_inferred", "tags"],
  environment: ["environment"],
  environment_tier: ["environment_tier", "tier"],
  duration_s: ["duration_s", "duration"],
  status: ["status"],
  injected: ["injected"],
  after_pipeline: ["after_pipeline"],
};
const REQUIRED = ["created_at", "pipeline_id", "job_name", "pool", "duration_s"];
const REF_CLASSES: Record<string, RefClass> = {
  default: "default", protected: "protected", release: "protected", merge_request: "merge_request", mr: "merge_request", other: "other",
};

/**
 * Reads a trace CSV (see data/README.md for the columns). Required: created_at (epoch seconds or
 * ISO 8601), pipeline_id, job_name, pool (or os_inferred / tags), duration_s. Everything else has a
 * default: job_id = row number, project = defaultProject, ref_class other, stage "test", status
 * success, no environment. Rows are returned sorted by created_at, then job_id.
 */
export function parseTrace(text: string, opts: ParseTraceOptions = {}): TraceJob[] {
  const { header, rows } = parseCsv(text);
  const index: Record<string, number> = {};
  for (const [canonical, names] of Object.entries(ALIASES)) {
    const i = header.findIndex((h) => names.includes(h.toLowerCase()));
    if (i >= 0) index[canonical] = i;
  }
  const missing = REQUIRED.filter((c) => index[c] === undefined);
  if (missing.length) throw new TraceError(missing.map((c) => `missing column ${c} (or one of ${ALIASES[c]!.join(", ")})`));
  const problems: string[] = [];
  const jobs: TraceJob[] = [];
  rows.forEach((row, r) => {
    const get = (c: string): string => (index[c] === undefined ? "" : (row[index[c]!] ?? "").trim());
    const where = `row ${r + 2}`;
    const createdAt = parseTime(get("created_at"));
    const pipelineId = Number(get("pipeline_id"));
    const durationS = Number(get("duration_s"));
    const jobId = get("job_id") === "" ? r + 1 : Number(get("job_id"));
    const refRaw = get("ref_class").toLowerCase() || "other";
    const refClass = REF_CLASSES[refRaw];
    if (createdAt === null) problems.push(`${where}: created_at "${get("created_at")}" is not epoch seconds or ISO 8601`);
    if (!Number.isSafeInteger(pipelineId)) problems.push(`${where}: pipeline_id must be an integer`);
    if (!Number.isSafeInteger(jobId)) problems.push(`${where}: job_id must be an integer`);
    if (!(durationS >= 0)) problems.push(`${where}: duration_s must be a number ≥ 0`);
    if (!refClass) problems.push(`${where}: ref_class "${refRaw}" is not one of ${Object.keys(REF_CLASSES).join(", ")}`);
    if (get("pool") === "") problems.push(`${where}: pool is empty`);
    if (problems.length >= 20 || createdAt === null || !refClass) return;
    const source = get("pipeline_source") || null;
    jobs.push({
      jobId, createdAt, pipelineId, durationS,
      project: get("project") || opts.defaultProject || "project",
      refClass: refClass === "other" && source === null && opts.otherRefIs ? opts.otherRefIs : refClass,
      pipelineSource: source,
      stage: get("stage") || "test",
      name: get("job_name"),
      pool: get("pool"),
      environment: get("environment") || null,
      environmentTier: get("environment_tier") || null,
      status: get("status") || "success",
      injected: isTrue(get("injected")),
      afterPipeline: isTrue(get("after_pipeline")),
    });
  });
  if (problems.length) throw new TraceError(problems.slice(0, 20));
  return jobs.sort((a, b) => a.createdAt - b.createdAt || a.jobId - b.jobId);
}

/** Writes jobs as a trace CSV with the canonical columns. */
export function traceToCsv(jobs: readonly TraceJob[]): string {
  return toCsv(TRACE_COLUMNS, jobs.map((j) => [
    j.jobId, j.createdAt, j.project, j.pipelineId, j.refClass, j.pipelineSource, j.stage, j.name, j.pool,
    j.environment, j.environmentTier, j.durationS, j.status, j.injected, j.afterPipeline,
  ]));
}

function parseTime(s: string): number | null {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms / 1000;
}

function isTrue(s: string): boolean {
  return s === "true" || s === "1" || s.toLowerCase() === "yes";
}
