import { z } from "zod";
import { assertTimeZone, compileCronPeriod, localTimeZone, type CronPeriod } from "./cron-period.js";
import { parseGoDuration } from "./go-duration.js";

/** One `[[runners.monitoring.job_queuing_durations]]` entry as written in config (gitlab-runner's keys, camelCase). */
export const jobQueuingDurationSchema = z.object({
  periods: z.array(z.string().min(1)).min(1).describe("cron periods, `[second] minute hour dom month dow [year]` (gorhill/cronexpr)"),
  timezone: z.string().min(1).optional().describe("IANA zone the periods are read in; default: the process's local zone"),
  threshold: z.string().min(1).describe("Go duration (\"5m\", \"1m30s\"): queue time above it is not acceptable"),
  jobsRunningForProject: z.string().optional().describe("regexp matched against project_jobs_running_on_instance_runners_count (\"0\", \"1\", \"2\", \"3+\")"),
});
export type JobQueuingDurationConfig = z.infer<typeof jobQueuingDurationSchema>;

/** One entry compiled once: periods, zone, threshold in seconds and regexp. */
export interface JobQueuingDuration {
  readonly index: number;
  readonly periods: readonly CronPeriod[];
  readonly timeZone: string;
  readonly thresholdSeconds: number;
  readonly jobsRunningForProject: RegExp | null;
}

/** A job as the SLI sees it. */
export interface QueuedJobFacts {
  queueSeconds: number;
  /** GitLab's `project_jobs_running_on_instance_runners_count` ("0".."3+"); "" when unknown. */
  projectJobsRunning: string;
}

/** Why a job did or did not count as exceeding; a value, never thrown. */
export type QueuingVerdict =
  | { exceeded: false; reason: "no-active-entry" | "threshold-disabled" | "within-threshold" | "project-jobs-not-matched"; entry: number | null }
  | { exceeded: true; reason: "threshold-exceeded"; entry: number; thresholdSeconds: number };

/** A config entry that failed to compile; the message names the entry index, as gitlab-runner does. */
export class JobQueuingDurationError extends Error {
  readonly code = "JOB_QUEUING_DURATION_INVALID";
  readonly retryable = false;
  constructor(readonly index: number, readonly field: string, reason: string, options?: { cause?: unknown }) {
    super(`entry ${index}: ${field}: ${reason}`, options);
    this.name = "JobQueuingDurationError";
  }
}

/** Compiles every entry once; throws naming each bad entry by index (one error, or a list of them). */
export function compileJobQueuingDurations(entries: readonly JobQueuingDurationConfig[]): JobQueuingDuration[] {
  const problems: JobQueuingDurationError[] = [];
  const compiled: JobQueuingDuration[] = [];
  entries.forEach((entry, index) => {
    try {
      compiled.push(compileEntry(entry, index));
    } catch (err) {
      problems.push(err as JobQueuingDurationError);
    }
  });
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new JobQueuingDurationsInvalid(problems);
  return compiled;
}

/** Several entries failed; each problem keeps its entry index. */
export class JobQueuingDurationsInvalid extends Error {
  readonly code = "JOB_QUEUING_DURATION_INVALID";
  readonly retryable = false;
  constructor(readonly problems: JobQueuingDurationError[]) {
    super(problems.map((p) => p.message).join("; "));
    this.name = "JobQueuingDurationsInvalid";
  }
}

function compileEntry(entry: JobQueuingDurationConfig, index: number): JobQueuingDuration {
  const timeZone = entry.timezone ?? localTimeZone();
  try {
    assertTimeZone(timeZone);
  } catch (cause) {
    throw new JobQueuingDurationError(index, "timezone", (cause as Error).message, { cause });
  }
  const periods = entry.periods.map((period) => {
    try {
      return compileCronPeriod(period, timeZone);
    } catch (cause) {
      throw new JobQueuingDurationError(index, "periods", (cause as Error).message, { cause });
    }
  });
  let thresholdSeconds: number;
  try {
    thresholdSeconds = parseGoDuration(entry.threshold);
  } catch (cause) {
    throw new JobQueuingDurationError(index, "threshold", (cause as Error).message, { cause });
  }
  let jobsRunningForProject: RegExp | null = null;
  if (entry.jobsRunningForProject !== undefined && entry.jobsRunningForProject !== "") {
    try {
      jobsRunningForProject = new RegExp(entry.jobsRunningForProject);
    } catch (cause) {
      throw new JobQueuingDurationError(index, "jobs_running_for_project", (cause as Error).message, { cause });
    }
  }
  return { index, periods, timeZone, thresholdSeconds, jobsRunningForProject };
}

/** gitlab-runner's `GetActiveConfiguration`: walks the list backwards, so the last entry in period wins. */
export function activeEntry(entries: readonly JobQueuingDuration[], nowMs: number): JobQueuingDuration | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    if (entry.periods.some((p) => p.inPeriod(nowMs))) return entry;
  }
  return null;
}

/**
 * gitlab-runner's `evaluateJobQueuingDuration`: exceeded when an entry is active, its threshold is
 * positive, queue time is strictly above it, and the regexp (if any) matches the project's running count.
 */
export function evaluateQueuingDuration(entries: readonly JobQueuingDuration[], job: QueuedJobFacts, nowMs: number): QueuingVerdict {
  const entry = activeEntry(entries, nowMs);
  if (!entry) return { exceeded: false, reason: "no-active-entry", entry: null };
  if (entry.thresholdSeconds <= 0) return { exceeded: false, reason: "threshold-disabled", entry: entry.index };
  if (job.queueSeconds <= entry.thresholdSeconds) return { exceeded: false, reason: "within-threshold", entry: entry.index };
  if (entry.jobsRunningForProject && !entry.jobsRunningForProject.test(job.projectJobsRunning)) {
    return { exceeded: false, reason: "project-jobs-not-matched", entry: entry.index };
  }
  return { exceeded: true, reason: "threshold-exceeded", entry: entry.index, thresholdSeconds: entry.thresholdSeconds };
}
