import { z } from "zod";

/**
 * The parts of GitLab's job payload (gitlab-runner's `spec.Job`) that Switchyard reads.
 * Everything else is passed through untouched.
 */
export const GitLabJobPayload = z.looseObject({
  id: z.number().int().positive(),
  token: z.string().min(1),
  job_info: z.looseObject({
    name: z.string().default(""),
    stage: z.string().default(""),
    project_id: z.number().int().nonnegative().default(0),
    project_name: z.string().optional(),
    time_in_queue_seconds: z.number().nonnegative().optional(),
    project_jobs_running_on_instance_runners_count: z.string().optional(),
  }),
  git_info: z.looseObject({ ref: z.string().optional(), protected: z.boolean().nullable().optional() }).optional(),
  runner_info: z.looseObject({ timeout: z.number().optional() }).optional(),
  variables: z.array(z.looseObject({ key: z.string(), value: z.string() })).default([]),
});
export type GitLabJobPayload = z.infer<typeof GitLabJobPayload>;

/** Predefined CI variables of a job, by name. */
export function variablesOf(job: GitLabJobPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of job.variables) out[v.key] = v.value;
  return out;
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
    job.variables.push({ key: "SWITCHYARD_DECISION", value: explanation, public: true, masked: false });
  }
  return JSON.stringify(job);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
