import { z } from "zod";

/** A field GitLab's Grape entity may expose as JSON null (an unset column): read as absent. */
const nullish = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
/** An object GitLab always exposes but whose members may all be null; a missing or null one reads as empty. */
const entity = <T extends z.ZodRawShape>(shape: T) => z.preprocess((v) => v ?? {}, z.looseObject(shape));

/**
 * The parts of GitLab's job payload (gitlab-runner's `spec.Job`) that Switchyard reads.
 * Everything else is passed through untouched. Only `id` and `token` are required: without
 * them the job cannot even be failed in GitLab. Every other field may be null or absent, as
 * GitLab's entities (lib/api/entities/ci/job_request/job_info.rb, git_info.rb, runner_info.rb)
 * expose columns that can be unset: `time_in_queue_seconds` (no queued_at), `timeout_value`,
 * `ref`, `protected`, `project_jobs_running_on_instance_runners_count`.
 */
export const GitLabJobPayload = z.looseObject({
  id: z.number().int().positive(),
  token: z.string().min(1),
  job_info: entity({
    name: nullish(z.string()).transform((v) => v ?? ""),
    stage: nullish(z.string()).transform((v) => v ?? ""),
    project_id: nullish(z.number().int().nonnegative()).transform((v) => v ?? 0),
    project_name: nullish(z.string()),
    time_in_queue_seconds: nullish(z.number().nonnegative()),
    project_jobs_running_on_instance_runners_count: nullish(z.string()),
  }),
  git_info: entity({ ref: nullish(z.string()), protected: nullish(z.boolean()) }),
  runner_info: entity({ timeout: nullish(z.number()) }),
  variables: z.preprocess((v) => v ?? [], z.array(z.looseObject({ key: z.string(), value: nullish(z.string()) }))),
});
export type GitLabJobPayload = z.infer<typeof GitLabJobPayload>;

/**
 * A stored job payload (GitLab's body, kept as received), read back; null when there is none or it is
 * not a usable job. Unreadable JSON throws: a corrupt queue entry is the caller's error to report.
 */
export function readStoredPayload(raw: string | null): GitLabJobPayload | null {
  if (!raw) return null;
  const parsed = GitLabJobPayload.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

/** The id and token of a body that is not a usable job, when it has them: enough to fail it in GitLab. */
export function jobIdentity(json: unknown): { id: number; token: string } | null {
  const parsed = z.looseObject({ id: z.number().int().positive(), token: z.string().min(1) }).safeParse(json);
  return parsed.success ? { id: parsed.data.id, token: parsed.data.token } : null;
}

/**
 * The payload handed to a downstream runner: GitLab's body with the deliberate rewrites
 * only — queue time includes Switchyard's hold, the timeout excludes it, and the decision
 * is explained in a job variable.
 */
export function rewriteForHandoff(raw: string, holdSeconds: number, explanation: string | null): string {
  const job = JSON.parse(raw) as Record<string, unknown> & {
    job_info?: Record<string, unknown>; runner_info?: Record<string, unknown>; variables?: Record<string, unknown>[];
  };
  if (job.job_info) {
    const gitlabQueue = typeof job.job_info.time_in_queue_seconds === "number" ? job.job_info.time_in_queue_seconds : 0;
    job.job_info.time_in_queue_seconds = round3(gitlabQueue + holdSeconds);
  }
  if (job.runner_info && typeof job.runner_info.timeout === "number") {
    job.runner_info.timeout = Math.max(1, Math.floor(job.runner_info.timeout - holdSeconds));
  }
  if (explanation !== null && Array.isArray(job.variables)) {
    // raw: gitlab-runner expands `$NAME` in variable values unless the variable is raw
    // (spec.Variable `Raw`, common/variables.go ExpandValue); a rationale must reach the job verbatim.
    job.variables.push({ key: "SWITCHYARD_DECISION", value: explanation, public: true, masked: false, raw: true });
  }
  return JSON.stringify(job);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
