import type { Logger } from "@switchyard/runtime";
import type { DispatchQueue, HeldJobMeta } from "../queue/dispatch-queue.js";
import { GitLabJobPayload, variablesOf } from "./job-payload.js";
import type { JobClassifier } from "../deciding/job-classifier.js";

/** Turns a job body taken from GitLab into a held, classified, queued job. */
export type Intake = (pool: string, body: string) => Promise<HeldJobMeta | null>;

export interface IntakeDeps {
  queue: DispatchQueue;
  classifier: JobClassifier;
  log: Logger;
  now?: () => number;
  /** Called for a body that is not a job we can hold (it is failed upstream by the caller). */
  onUnreadable?: (reason: string) => void;
}

export function createIntake(deps: IntakeDeps): Intake {
  const now = deps.now ?? Date.now;
  return async (pool, body) => {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      deps.onUnreadable?.("job body is not JSON");
      return null;
    }
    const parsed = GitLabJobPayload.safeParse(json);
    if (!parsed.success) {
      deps.onUnreadable?.(`job body does not look like a GitLab job: ${parsed.error.issues[0]?.message ?? "?"}`);
      return null;
    }
    const job = parsed.data;
    const vars = variablesOf(job);
    const cls = deps.classifier.classify(vars);
    const arrivedAt = now();
    const envName = vars.CI_ENVIRONMENT_NAME ?? null;
    const pipelineId = Number(vars.CI_PIPELINE_ID);
    const meta: HeldJobMeta = {
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
      fifoSeq: await deps.queue.nextFifoSeq(pool),
      queueKey: 0,
      gitlabQueueSeconds: job.job_info.time_in_queue_seconds ?? 0,
      projectJobsRunning: job.job_info.project_jobs_running_on_instance_runners_count ?? null,
    };
    meta.queueKey = deps.classifier.queueKey(meta);
    await deps.queue.enqueue(meta, body);
    deps.log.debug({ jobId: meta.jobId, pool, jobClass: meta.jobClass }, "job held");
    return meta;
  };
}
