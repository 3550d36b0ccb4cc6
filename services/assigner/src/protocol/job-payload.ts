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
 * A stored job payload (GitLab's body as the take-in stored it, storedPayload below), read back; null when there is none or it is
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
 * Where the hand-off's rewrites go in a stored payload, as string offsets, so the hand-off splices
 * the stored text instead of parsing and re-encoding ~10 KB per job while a runner waits.
 */
export interface HandoffSlots {
  /**
   * job_info.time_in_queue_seconds' value, [start, end); where GitLab sent none, an empty span at the end of
   * job_info and the text that starts the member there.
   */
  queue: [number, number] | [number, number, string] | null;
  /** runner_info.timeout's value when it is a number, [start, end). */
  timeout: [number, number] | null;
  /** The variables array's closing bracket, and whether the array is empty. */
  variables: [number, boolean] | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The payload as the take-in stores it: GitLab's body (already parsed by the intake) encoded again with
 * job_info, runner_info and variables last and the hand-off's rewrite points recorded. The same JSON
 * value; only member order and spacing differ, as after any decode and encode.
 */
export function storedPayload(job: Record<string, unknown>): { payload: string; slots: HandoffSlots } {
  const { job_info: jobInfo, runner_info: runnerInfo, variables, ...rest } = job;
  const slots: HandoffSlots = { queue: null, timeout: null, variables: null };
  let out = JSON.stringify(rest).slice(0, -1);
  /** Appends the start of a member, after a comma when members came before. */
  const open = (text: string) => { out += (out.length > 1 ? "," : "") + text; };
  const lastValue = (key: string, value: unknown): [number, number] => {
    open(`${JSON.stringify(key)}:`);
    const start = out.length;
    out += JSON.stringify(value ?? null);
    return [start, out.length];
  };
  /** An object member with `key` last, or a place to add it where the object has none. */
  const withLast = (name: string, obj: Record<string, unknown>, key: string): [number, number] | [number, number, string] => {
    const { [key]: value, ...others } = obj;
    const members = JSON.stringify(others).slice(1, -1);
    const member = `${members ? "," : ""}${JSON.stringify(key)}:`;
    open(`${JSON.stringify(name)}:{${members}`);
    let at: [number, number] | [number, number, string] = [out.length, out.length, member];
    if (key in obj) {
      out += member;
      const start = out.length;
      out += JSON.stringify(value);
      at = [start, out.length];
    }
    out += "}";
    return at;
  };
  if (isObject(jobInfo)) slots.queue = withLast("job_info", jobInfo, "time_in_queue_seconds");
  else if (jobInfo !== undefined) lastValue("job_info", jobInfo);
  if (isObject(runnerInfo) && typeof runnerInfo.timeout === "number") slots.timeout = withLast("runner_info", runnerInfo, "timeout") as [number, number];
  else if (runnerInfo !== undefined) lastValue("runner_info", runnerInfo);
  if (Array.isArray(variables)) {
    const [, end] = lastValue("variables", variables);
    slots.variables = [end - 1, variables.length === 0];
  } else if (variables !== undefined) lastValue("variables", variables);
  return { payload: `${out}}`, slots };
}

/** The decision's explanation as a job variable. */
const decisionVariable = (explanation: string) =>
  // raw: gitlab-runner expands `$NAME` in variable values unless the variable is raw
  // (spec.Variable `Raw`, common/variables.go ExpandValue); a rationale must reach the job verbatim.
  ({ key: "SWITCHYARD_DECISION", value: explanation, public: true, masked: false, raw: true });

/**
 * The payload handed to a downstream runner, as rewriteForHandoff gives it, spliced from a payload the
 * take-in stored with its slots; without slots (stored by an older assigner) it is rewritten after parsing.
 */
export function handoffPayload(raw: string, slots: HandoffSlots | undefined, holdSeconds: number, explanation: string | null): string {
  if (!slots) return rewriteForHandoff(raw, holdSeconds, explanation);
  const edits: [number, number, string][] = [];
  if (slots.queue) {
    const [start, end, member] = slots.queue;
    const gitlabQueue = member === undefined ? Number(raw.slice(start, end)) : 0;
    edits.push([start, end, `${member ?? ""}${round3((Number.isFinite(gitlabQueue) ? gitlabQueue : 0) + holdSeconds)}`]);
  }
  if (slots.timeout) edits.push([slots.timeout[0], slots.timeout[1], String(Math.max(1, Math.floor(Number(raw.slice(...slots.timeout)) - holdSeconds)))]);
  if (explanation !== null && slots.variables) {
    const [close, empty] = slots.variables;
    edits.push([close, close, `${empty ? "" : ","}${JSON.stringify(decisionVariable(explanation))}`]);
  }
  let out = "";
  let from = 0;
  for (const [start, end, text] of edits) { out += raw.slice(from, start) + text; from = end; }
  return out + raw.slice(from);
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
  if (explanation !== null && Array.isArray(job.variables)) job.variables.push(decisionVariable(explanation));
  return JSON.stringify(job);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
