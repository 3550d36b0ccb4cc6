import type { Logger } from "@switchyard/runtime";
import type { GitLabRunnerApi } from "./gitlab-runner-api.js";
import type { ArrivingJob, HeldJobMeta, HeldJobs } from "../queue/held-jobs.js";
import { variablesOf } from "@switchyard/decision";
import { GitLabJobPayload, jobIdentity, storedPayload } from "../protocol/job-payload.js";
import type { JobClassifier } from "../deciding/job-classifier.js";

/** Turns a job body taken from GitLab into a held, classified, queued job. */
export type Intake = (pool: string, body: string) => Promise<HeldJobMeta | null>;

export interface IntakeDeps {
  /** The take-in: one Redis step (sequence, queue, held set, meta, payload, deploy order). */
  queue: Pick<HeldJobs, "enqueue">;
  classifier: JobClassifier;
  log: Logger;
  now?: () => number;
  /**
   * Called for a body that is not a job we can hold. `job` is its id and token when it has them:
   * GitLab already counts it as running on the pool, so the caller fails it there at once.
   */
  onUnreadable?: (reason: string, job: { id: number; token: string } | null) => void;
}

export function createIntake(deps: IntakeDeps): Intake {
  const now = deps.now ?? Date.now;
  return async (pool, body) => {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      deps.onUnreadable?.("job body is not JSON", null);
      return null;
    }
    const parsed = GitLabJobPayload.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      deps.onUnreadable?.(`job body does not look like a GitLab job: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "?"}`, jobIdentity(json));
      return null;
    }
    const job = parsed.data;
    const vars = variablesOf({ variables: job.variables.map((v) => ({ ...v, value: v.value ?? "" })) });
    const cls = deps.classifier.classify(vars);
    const arrivedAt = now();
    const envName = vars.CI_ENVIRONMENT_NAME ?? null;
    const pipelineId = Number(vars.CI_PIPELINE_ID);
    const meta: ArrivingJob = {
      jobId: job.id,
      pool,
      projectId: job.job_info.project_id,
      pipelineId: Number.isFinite(pipelineId) ? pipelineId : null,
      jobClass: cls.jobClass,
      weight: cls.weight,
      tier: cls.tier,
      environment: envName,
      environmentTier: vars.CI_ENVIRONMENT_TIER ?? null,
      environmentAction: vars.CI_ENVIRONMENT_ACTION ?? null,
      name: job.job_info.name,
      stage: job.job_info.stage,
      ref: vars.CI_COMMIT_REF_NAME ?? job.git_info?.ref ?? null,
      protectedRef: job.git_info?.protected === true || vars.CI_COMMIT_REF_PROTECTED === "true",
      pipelineSource: vars.CI_PIPELINE_SOURCE ?? null,
      projectPath: vars.CI_PROJECT_PATH ?? null,
      timeoutSeconds: job.runner_info?.timeout ?? null,
      isDeploy: envName !== null && (vars.CI_ENVIRONMENT_ACTION ?? "start") !== "stop",
      arrivedAt,
      queueKey: 0,
      gitlabQueueSeconds: job.job_info.time_in_queue_seconds ?? 0,
      projectJobsRunning: job.job_info.project_jobs_running_on_instance_runners_count ?? null,
    };
    meta.expectedDurationS = deps.classifier.expectedDuration(meta);
    meta.queueKey = deps.classifier.queueKey(meta);
    // Stored with its hand-off slots: the hand-off splices them instead of parsing the payload again.
    const { payload, slots } = storedPayload(json as Record<string, unknown>);
    meta.handoffSlots = slots;
    const held = await deps.queue.enqueue(meta, payload);
    deps.log.debug({ jobId: meta.jobId, pool, jobClass: meta.jobClass }, "job held");
    return held;
  };
}

/**
 * A job GitLab handed over that Switchyard cannot hold is running on the pool in GitLab with
 * nobody on it: fail it there at once, as `runner_system_failure` so GitLab's retry rules apply.
 */
export function failUnreadable(api: GitLabRunnerApi, log: Logger, reason: string, job: { id: number; token: string } | null): void {
  log.error({ reason, jobId: job?.id ?? null }, job ? "unreadable job from GitLab; failing it there" : "unreadable job from GitLab without id or token; GitLab will drop it as stale");
  if (!job) return;
  void api.updateJob(job.id, job.token, "failed", "runner_system_failure").then(
    (res) => log.info({ jobId: job.id, status: res.status }, "unreadable job failed in GitLab"),
    (err: unknown) => log.warn({ jobId: job.id, err: (err as Error).message }, "failing an unreadable job in GitLab failed"),
  );
}
