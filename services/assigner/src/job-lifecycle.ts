import { contracts, type JobOutcome } from "@switchyard/contracts";
import type { Bus, Logger } from "@switchyard/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Counter } from "prom-client";
import type { ObservedJobUpdate } from "./downstream/job-proxy.js";
import type { DispatchQueue } from "./queue/dispatch-queue.js";

/** Turns job updates seen by the proxy into outcomes, and frees the runner's slot at the end. */
export interface JobLifecycle {
  observe(update: ObservedJobUpdate): Promise<void>;
  /** A runner used the job's token: it has the job, so the hand-off must never be undone. */
  seen(jobId: number): void;
  /** Publishes a terminal outcome for a job Switchyard itself gave up on. */
  gaveUp(pool: string, jobId: number, status: "failed" | "canceled", reason: string): Promise<void>;
}

export interface JobLifecycleDeps {
  queue: DispatchQueue;
  bus: Bus;
  js: JetStreamClient | null;
  log: Logger;
  outcomes: Counter<"pool" | "phase" | "status">;
  /** A runner's slot freed up: the pool may pull and dispatch more. */
  onSlotFreed: (pool: string) => void;
  now?: () => number;
}

const FINAL_STATES = new Set(["success", "failed", "canceled"]);

export function createJobLifecycle(deps: JobLifecycleDeps): JobLifecycle {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "lifecycle" });

  function publish(outcome: JobOutcome): void {
    deps.outcomes.inc({ pool: outcome.pool, phase: outcome.phase, status: outcome.status });
    const subject = deps.bus.subjects.jobOutcome(outcome.pool);
    // Outcomes feed the optimizer; losing one must never slow a job update, so it is fire-and-forget.
    try {
      if (deps.js) {
        const data = JSON.stringify(contracts.jobOutcome.schema.parse(outcome));
        // msgID lets JetStream drop a duplicate when two replicas observe the same update.
        deps.js.publish(subject, data, { msgID: `${outcome.jobId}:${outcome.phase}` }).catch((err: unknown) => log.warn({ err: (err as Error).message }, "outcome publish failed"));
      } else {
        deps.bus.publish(contracts.jobOutcome, subject, outcome);
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, "outcome publish failed");
    }
  }

  async function outcomeOf(jobId: number, phase: JobOutcome["phase"], status: JobOutcome["status"], failureReason: string | null): Promise<JobOutcome | null> {
    const [meta, handoff] = await Promise.all([deps.queue.meta(jobId), deps.queue.handoffOf(jobId)]);
    if (!meta || !handoff) return null;
    const holdSeconds = Math.max(0, (handoff.at - meta.arrivedAt) / 1000);
    return {
      v: 1,
      jobId,
      pool: meta.pool,
      runnerId: handoff.runnerId,
      phase,
      status,
      failureReason,
      jobClass: meta.jobClass,
      decisionId: meta.decisionId ?? null,
      projectId: meta.projectId,
      ...(meta.projectJobsRunning !== null ? { projectJobsRunning: meta.projectJobsRunning } : {}),
      queueSeconds: meta.gitlabQueueSeconds + holdSeconds,
      holdSeconds,
      runSeconds: phase === "finished" ? Math.max(0, (now() - handoff.at) / 1000) : null,
      // Metadata held by an older broker may lack the name: the outcome then teaches no run time.
      ...(typeof meta.name === "string" ? { jobName: meta.name.slice(0, 512) } : {}),
      at: now(),
    };
  }

  // Jobs already known to be acknowledged, so trace patches cost no Redis call (bounded).
  const acked = new Set<number>();
  function rememberAcked(jobId: number): void {
    acked.add(jobId);
    if (acked.size > 50_000) acked.delete(acked.values().next().value as number);
  }

  return {
    seen(jobId) {
      if (acked.has(jobId)) return;
      rememberAcked(jobId);
      void deps.queue.markAcked(jobId).catch(() => acked.delete(jobId));
    },
    async observe(update) {
      // Only what GitLab accepted changes Switchyard's state: a 2xx, or a 403 that says (Job-Status)
      // the job is no longer running. A bare 403 (wrong JOB-TOKEN) says nothing about the job.
      const accepted = update.status >= 200 && update.status < 300;
      if (!accepted && !(update.status === 403 && update.jobStatus !== null)) return;
      if (update.state === "running" && accepted) {
        const handoff = await deps.queue.handoffOf(update.jobId);
        rememberAcked(update.jobId);
        if (handoff && !handoff.acked) {
          await deps.queue.markAcked(update.jobId);
          const outcome = await outcomeOf(update.jobId, "started", "running", null);
          if (outcome) publish(outcome);
        }
        return;
      }
      if (update.status === 202) return; // accepted, not finished yet: the runner asks again
      // GitLab's status wins over the runner's: a canceling job the runner reports failed ends canceled.
      const gitlab = update.jobStatus !== null && FINAL_STATES.has(update.jobStatus) ? update.jobStatus : null;
      const runner = update.state !== null && FINAL_STATES.has(update.state) && accepted ? update.state : null;
      const ended = gitlab ?? (update.status === 403 ? "canceled" : runner);
      if (ended === null) return;
      const status = ended as JobOutcome["status"];
      const failureReason = status === "failed" ? update.failureReason : null;
      const outcome = await outcomeOf(update.jobId, "finished", status, failureReason);
      if (!outcome) return;
      publish(outcome);
      await deps.queue.forget(outcome.pool, update.jobId);
      deps.onSlotFreed(outcome.pool);
    },
    async gaveUp(pool, jobId, status, reason) {
      const meta = await deps.queue.meta(jobId);
      await deps.queue.forget(pool, jobId);
      if (!meta) return;
      deps.outcomes.inc({ pool, phase: "finished", status });
      log.warn({ jobId, pool, reason }, `held job ${status}`);
    },
  };
}
