import { baseConfigSchema, jetstreamConfigShape, metricPoolsSchema } from "@switchyard/runtime";
import { z } from "zod";
import { autoscalingConfigSchema } from "./capacity/autoscaling-config.js";
import { durationLearningSchema } from "./learning/duration-learner.js";
import { learningConfigSchema } from "./learning/learning-config.js";
import { shadowFifoSchema } from "./shadow/shadow-fifo-tracker.js";
import { compileJobQueuingDurations, jobQueuingDurationSchema, JobQueuingDurationError, JobQueuingDurationsInvalid } from "./sli/job-queuing-durations.js";

/** A per-class queue-time objective, e.g. production-deploy: 95% of jobs wait at most 30 s. */
export const classTargetSchema = z.object({
  jobClass: z.string().min(1).max(64).describe("job class the target applies to"),
  thresholdSeconds: z.number().positive().describe("queue time a job should not exceed"),
  objective: z.number().gt(0).lt(1).default(0.95).describe("fraction of jobs that must meet the threshold (p95 = 0.95)"),
});
export type ClassTarget = z.infer<typeof classTargetSchema>;

// Operators paste entries from config.toml: accept gitlab-runner's snake_case key too.
const entrySchema = z.preprocess((raw) => {
  if (!raw || typeof raw !== "object" || !("jobs_running_for_project" in raw)) return raw;
  const { jobs_running_for_project: rx, ...rest } = raw as Record<string, unknown>;
  return { jobsRunningForProject: rx, ...rest };
}, jobQueuingDurationSchema);

const jobQueuingDurations = z.array(entrySchema).default([]).superRefine((entries, ctx) => {
  try {
    compileJobQueuingDurations(entries);
  } catch (err) {
    const problems = err instanceof JobQueuingDurationsInvalid ? err.problems : [err as JobQueuingDurationError];
    for (const p of problems) ctx.addIssue({ code: "custom", path: [p.index ?? 0], message: p.message });
  }
});

/** The optimizer's config: `SWITCHYARD_JOB_QUEUING_DURATIONS` / `SWITCHYARD_CLASS_TARGETS` take JSON; or a YAML file. */
export const optimizerConfigSchema = baseConfigSchema.extend({
  ...jetstreamConfigShape,
  jobQueuingDurations: jobQueuingDurations.describe("gitlab-runner's [[runners.monitoring.job_queuing_durations]]; last entry in period wins"),
  classTargets: z.array(classTargetSchema).default([
    { jobClass: "production-deploy", thresholdSeconds: 30, objective: 0.95 },
  ]).describe("per job class queue-time objectives for the burn-rate gauges"),
  pools: metricPoolsSchema,
  durableName: z.string().regex(/^[A-Za-z0-9_-]+$/).default("optimizer").describe("JetStream durable consumer name for job outcomes"),
  outcomeRetry: z.object({
    maxDeliver: z.number().int().min(2).max(1000).default(20).describe("deliveries of one outcome (the consumer's max_deliver); the last failed one is dead-lettered"),
    firstDelayMs: z.number().int().positive().default(1_000).describe("wait before an outcome that failed is offered again; doubles each time"),
    maxDelayMs: z.number().int().positive().default(60_000).describe("longest wait between two deliveries"),
  }).prefault({}).describe("retries of an outcome that could not be applied (Redis down): about 14 minutes with the defaults (SWITCHYARD_OUTCOME_RETRY takes JSON)"),
  seenJobTtlSeconds: z.coerce.number().int().positive().default(7 * 24 * 3600).describe("how long a job id is remembered to observe its queue time once"),
  learning: learningConfigSchema.prefault({}).describe("outcome learning: weight tuning and trust proposals (SWITCHYARD_LEARNING takes JSON)"),
  durations: durationLearningSchema.prefault({}).describe("run times learned from finished jobs, stored for the assigner's queue order (SWITCHYARD_DURATIONS takes JSON)"),
  shadowFifo: shadowFifoSchema.describe("per class, the live queue time beside what GitLab's FIFO would have given the same arrivals (SWITCHYARD_SHADOW_FIFO takes JSON)"),
  autoscaling: autoscalingConfigSchema.prefault({}).describe("per-pool autoscaling through a provisioner; off without pools (SWITCHYARD_AUTOSCALING takes JSON)"),
});
export type OptimizerConfig = z.infer<typeof optimizerConfigSchema>;
