import type { JobEnd, JobOutcome } from "@switchyard/contracts";
import type { Logger } from "@switchyard/runtime";
import type { OutcomeOutbox } from "./outcome-outbox.js";
import { isFinalJobStatus, isNotRunning, isSuccess, isUpdatePending, speaksOfJob } from "./protocol/job-status.js";
import type { ObservedJobUpdate } from "./protocol/job-update.js";
import type { Handoffs } from "./queue/handoffs.js";
import type { HeldJobs } from "./queue/held-jobs.js";

/** Turns job updates seen by the proxy into outcomes, and frees the runner's slot at the end. */
export interface JobLifecycle {
  observe(update: ObservedJobUpdate): Promise<void>;
  /** A runner used the job's token: it has the job, so the hand-off must never be undone. */
  seen(jobId: number): void;
  /** Forgets a job that ended without its runner's final update, publishing its outcome (runner or not). */
  endedWithoutRunner(pool: string, jobId: number, end: RunnerlessEnd): Promise<void>;
  /** Publishes the end of a job Redis had lost and reconcile cancelled and retried: all that is known is GitLab's. */
  lostAndRetried(pool: string, job: LostJob): Promise<void>;
}

/** What GitLab's REST API says of a job Switchyard lost. */
export interface LostJob {
  id: number;
  name: string;
  projectId: number;
  /** When Switchyard took it from GitLab (GitLab's started_at). */
  startedAt: number | null;
  /** Its wait in GitLab's queue before that (queued_duration). */
  queuedDurationSeconds: number | null;
}

/** How a job ended that its runner (if it had one) never reported: what the outcome says. */
export interface RunnerlessEnd {
  status: "failed" | "canceled" | "success";
  failureReason: string | null;
  end: Exclude<JobEnd, "runner">;
  /** For the log line. */
  reason: string;
}

export interface JobLifecycleDeps {
  queue: Pick<HeldJobs, "meta" | "forget" | "end"> & Pick<Handoffs, "handoffOf" | "markAcked">;
  /** Where outcomes go: Redis first, JetStream when it acknowledges (at least once). */
  outbox: Pick<OutcomeOutbox, "entry" | "add" | "written">;
  log: Logger;
  /** A runner's slot freed up: the pool may pull and dispatch more. */
  onSlotFreed: (pool: string) => void;
  now?: () => number;
}

export function createJobLifecycle(deps: JobLifecycleDeps): JobLifecycle {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "lifecycle" });

  /**
   * The outcome of a job Redis still knows. A job never handed to a runner has no runner and waited
   * until now; one that ended without its runner's report (`runner-silent`) has no trusted run time.
   */
  async function outcomeOf(jobId: number, phase: JobOutcome["phase"], status: JobOutcome["status"], failureReason: string | null, end: JobEnd | null): Promise<JobOutcome | null> {
    const [meta, handoff] = await Promise.all([deps.queue.meta(jobId), deps.queue.handoffOf(jobId)]);
    if (!meta || (!handoff && end === "runner") || (!handoff && phase === "started")) return null;
    const at = now();
    const holdSeconds = Math.max(0, ((handoff?.at ?? at) - meta.arrivedAt) / 1000);
    return {
      v: 2,
      jobId,
      pool: meta.pool,
      runnerId: handoff?.runnerId ?? null,
      phase,
      status,
      failureReason,
      end,
      jobClass: meta.jobClass,
      decisionId: meta.decisionId ?? null,
      // Only the finished outcome teaches; the started one stays small.
      ...(phase === "finished" && meta.decisionSummary ? { decision: meta.decisionSummary } : {}),
      projectId: meta.projectId,
      ...(meta.projectJobsRunning !== null ? { projectJobsRunning: meta.projectJobsRunning } : {}),
      queueSeconds: meta.gitlabQueueSeconds + holdSeconds,
      holdSeconds,
      runSeconds: handoff && end === "runner" ? Math.max(0, (at - handoff.at) / 1000) : null,
      // Metadata held by an older broker may lack the name: the outcome then teaches no run time.
      ...(typeof meta.name === "string" ? { jobName: meta.name.slice(0, 512) } : {}),
      at,
    };
  }

  // Jobs already known to be acknowledged, so trace patches cost no Redis call (bounded).
  const acked = new Set<number>();
  function rememberAcked(jobId: number): void {
    acked.add(jobId);
    if (acked.size > 50_000) acked.delete(acked.values().next().value as number);
  }

  // A job's updates are observed one after the other, in the order the proxy saw them: the runner's
  // "running" and its final update may arrive milliseconds apart, and the shorter end path (one
  // script) must not publish the finished outcome before the started one.
  const inFlight = new Map<number, Promise<void>>();
  function inOrder(jobId: number, step: () => Promise<void>): Promise<void> {
    const next = (inFlight.get(jobId) ?? Promise.resolve()).catch(() => undefined).then(step);
    inFlight.set(jobId, next);
    next.finally(() => { if (inFlight.get(jobId) === next) inFlight.delete(jobId); }).catch(() => undefined);
    return next;
  }

  async function observe(update: ObservedJobUpdate): Promise<void> {
    // Only what GitLab accepted changes Switchyard's state: a 2xx, or a 403 that says (Job-Status)
    // the job is no longer running. A bare 403 (wrong JOB-TOKEN) says nothing about the job.
    if (!speaksOfJob(update)) return;
    const accepted = isSuccess(update.status);
    if (update.state === "running" && accepted) {
      const handoff = await deps.queue.handoffOf(update.jobId);
      rememberAcked(update.jobId);
      if (handoff && !handoff.acked) {
        await deps.queue.markAcked(update.jobId);
        const outcome = await outcomeOf(update.jobId, "started", "running", null, null);
        if (outcome) deps.outbox.written(outcome, await deps.outbox.add(outcome));
      }
      return;
    }
    if (isUpdatePending(update.status)) return; // accepted, not finished yet: the runner asks again
    // GitLab's status wins over the runner's: a canceling job the runner reports failed ends canceled.
    const gitlab = isFinalJobStatus(update.jobStatus) ? update.jobStatus : null;
    const runner = isFinalJobStatus(update.state) && accepted ? update.state : null;
    const status: JobOutcome["status"] | null = gitlab ?? (isNotRunning(update) ? "canceled" : runner);
    if (status === null) return;
    const failureReason = status === "failed" ? update.failureReason : null;
    const outcome = await outcomeOf(update.jobId, "finished", status, failureReason, "runner");
    if (!outcome) return;
    // The outcome is written in the same Redis step that forgets the job: it cannot end unrecorded.
    deps.outbox.written(outcome, await deps.queue.end(outcome.pool, update.jobId, deps.outbox.entry(outcome)));
    deps.onSlotFreed(outcome.pool);
  }

  return {
    seen(jobId) {
      if (acked.has(jobId)) return;
      rememberAcked(jobId);
      void deps.queue.markAcked(jobId).catch(() => acked.delete(jobId));
    },
    observe: (update) => inOrder(update.jobId, () => observe(update)),
    async lostAndRetried(pool, job) {
      const at = now();
      const holdSeconds = job.startedAt === null ? 0 : Math.max(0, (at - job.startedAt) / 1000);
      const outcome: JobOutcome = {
        v: 2, jobId: job.id, pool, runnerId: null, phase: "finished", status: "canceled", failureReason: null, end: "reconcile-retried",
        jobClass: null, decisionId: null, projectId: job.projectId, queueSeconds: (job.queuedDurationSeconds ?? 0) + holdSeconds, holdSeconds,
        runSeconds: null, jobName: job.name.slice(0, 512), at,
      };
      deps.outbox.written(outcome, await deps.outbox.add(outcome));
    },
    async endedWithoutRunner(pool, jobId, end) {
      const outcome = await outcomeOf(jobId, "finished", end.status, end.failureReason, end.end);
      if (!outcome) { await deps.queue.forget(pool, jobId); return; }
      deps.outbox.written(outcome, await deps.queue.end(pool, jobId, deps.outbox.entry(outcome)));
      deps.onSlotFreed(pool);
      log.warn({ jobId, pool, end: end.end, runnerId: outcome.runnerId, reason: end.reason }, `job ${end.status} without a runner report`);
    },
  };
}
