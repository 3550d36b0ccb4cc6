import { startPeriodic, type Logger } from "@switchyard/runtime";
import type { Counter } from "prom-client";
import type { RunnerlessEnd } from "../job-lifecycle.js";
import type { Handoffs } from "../queue/handoffs.js";
import type { HeldJobs } from "../queue/held-jobs.js";
import type { RunnerPresence } from "../queue/runner-presence.js";
import type { GitLabRunnerApi } from "./gitlab-runner-api.js";
import { isCanceling, isGoneForHolder, isNotRunning, isStoppedJobStatus, isUnsettled } from "../protocol/job-status.js";
import { readStoredPayload } from "../protocol/job-payload.js";
import { runTimeLeft } from "./run-time-left.js";

/**
 * Looks after jobs Switchyard holds: GitLab sees them as running, so they are kept alive
 * well inside GitLab's stale-job window, finished (then dropped) when cancelled, failed with
 * `runner_system_failure` past the maximum hold (so GitLab's retry rules apply), and
 * reservations or hand-offs that went nowhere are put back in the queue.
 */
export interface HeldKeeper {
  sweep(): Promise<void>;
  stop(): void;
}

export interface HeldKeeperDeps {
  queue: Pick<HeldJobs, "heldJobs" | "dropHeld" | "payload"> & Pick<RunnerPresence, "prunePolling">
    & Pick<Handoffs, "handoffOf" | "expireReservations" | "unackedHandoffs" | "markAcked" | "undoHandoff">;
  api: GitLabRunnerApi;
  pools: readonly string[];
  log: Logger;
  keepAliveIntervalMs: number;
  maxHoldMs: number;
  /** A held job with less run time (token and timeout) left than this is failed upstream, never handed down. */
  minRunSecondsLeft: number;
  /** GitLab's seconds per wall-clock second (1 for a real GitLab): a held job's token ages in GitLab's time. */
  gitlabClockSpeed?: number;
  handoffAckTimeoutMs: number;
  /** Runners that asked longer ago than this without a word are no longer asking. */
  pollFreshMs: number;
  sweepIntervalMs: number;
  events: Counter<"event">;
  /** A job left the queue for good (cancelled, failed by us): forget it and publish how it ended. */
  onDropped: (pool: string, jobId: number, end: RunnerlessEnd) => Promise<void>;
  /** Something went back into a queue. */
  onRequeued: (pool: string) => void;
  now?: () => number;
}

export function startHeldKeeper(deps: HeldKeeperDeps): HeldKeeper {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "held-keeper" });
  const lastKeepAlive = new Map<number, number>();
  /** Held jobs GitLab moved to `canceling`: their final update is still owed. */
  const canceling = new Set<number>();

  async function sweepPool(pool: string): Promise<void> {
    for (const { jobId, arrivedAt } of await deps.queue.heldJobs(pool)) {
      const handoff = await deps.queue.handoffOf(jobId);
      if (handoff) { await deps.queue.dropHeld(pool, jobId); continue; } // on a runner now
      const raw = await deps.queue.payload(jobId);
      const job = readStoredPayload(raw);
      if (!job) {
        await deps.onDropped(pool, jobId, { status: "failed", failureReason: null, end: "unreadable", reason: "held job payload missing or unreadable" });
        continue;
      }
      const left = runTimeLeft(job.runner_info.timeout, (now() - arrivedAt) * (deps.gitlabClockSpeed ?? 1), deps.minRunSecondsLeft);
      const maxHold = now() - arrivedAt > deps.maxHoldMs;
      if (maxHold || left.tooLate) {
        // runner_system_failure: what GitLab's retry rules (`retry: when: runner_system_failure`, `always`)
        // retry, where job_token_expired is no `retry:when` value at all.
        const res = await deps.api.updateJob(jobId, job.token, "failed", "runner_system_failure").catch((err: unknown) => {
          log.warn({ jobId, err: (err as Error).message }, "failing a job upstream failed");
          return null;
        });
        // 202 means GitLab accepted but has not finished the transition: ask again next sweep.
        if (!res || isUnsettled(res.status)) continue;
        lastKeepAlive.delete(jobId);
        if (maxHold) {
          deps.events.inc({ event: "max_hold_failed" });
          log.warn({ jobId, pool, status: res.status }, "held too long: failed upstream so GitLab can retry it");
          await deps.onDropped(pool, jobId, { status: "failed", failureReason: "runner_system_failure", end: "max-hold", reason: "max hold exceeded" });
        } else {
          deps.events.inc({ event: "token_expiring_failed" });
          const reason = `not handed down: ${Math.max(0, Math.floor(left.secondsLeft))} s of its timeout and job token left, under the ${Math.ceil(left.secondsNeeded)} s a run needs`;
          log.warn({ jobId, pool, status: res.status, secondsLeft: left.secondsLeft }, "token and timeout nearly spent: failed upstream so GitLab can retry it");
          await deps.onDropped(pool, jobId, { status: "failed", failureReason: "runner_system_failure", end: "token-expiring", reason });
        }
        continue;
      }
      // Taking the job from GitLab touched it: the first keep-alive is due one interval later.
      if (!lastKeepAlive.has(jobId)) lastKeepAlive.set(jobId, arrivedAt);
      let res = canceling.has(jobId) ? null : await keepAlive(jobId);
      if (canceling.has(jobId) || isCanceling(res?.jobStatus ?? null)) {
        // Cancelled with cancel_gracefully: GitLab waits for the runner's final update (Ci::HasStatus
        // `drop`: canceling => canceled). No script runs here, so report failed as a runner would.
        canceling.add(jobId);
        res = await deps.api.updateJob(jobId, job.token, "failed", "script_failure").catch((err: unknown) => {
          log.warn({ jobId, err: (err as Error).message }, "finishing a canceling job upstream failed");
          return null;
        });
        // 202: accepted, not finished yet; ask again next sweep.
        if (!res || isUnsettled(res.status)) continue;
        canceling.delete(jobId);
      }
      if (!res) continue;
      if (isGoneForHolder(res)) {
        log.info({ jobId, pool, jobStatus: res.jobStatus, status: res.status }, "held job cancelled in GitLab; dropped");
        lastKeepAlive.delete(jobId);
        deps.events.inc({ event: "cancelled_while_held" });
        // GitLab's own final status when it gives one (a job can fail while held, e.g. its timeout).
        const status = res.jobStatus === "failed" || res.jobStatus === "success" ? res.jobStatus : "canceled";
        await deps.onDropped(pool, jobId, { status, failureReason: null, end: "canceled-while-held", reason: `GitLab says ${res.jobStatus ?? res.status}` });
      }
    }
  }

  async function sweep(): Promise<void> {
    const expired = await deps.queue.expireReservations(now());
    if (expired > 0) deps.events.inc({ event: "reservation_expired" }, expired);
    // A hand-off no runner has acknowledged is still ours to keep alive in GitLab; past the
    // acknowledgement timeout it is put back (the runner never got it: its broker died mid-answer).
    for (const { jobId, runnerId } of await deps.queue.unackedHandoffs(now() - Math.min(deps.keepAliveIntervalMs, deps.handoffAckTimeoutMs))) {
      const handoff = await deps.queue.handoffOf(jobId);
      if (!handoff || handoff.acked) continue;
      if (now() - handoff.at > deps.handoffAckTimeoutMs) {
        // The acknowledgement can be lost with a broker killed between proxying the runner's first
        // calls and recording them. Before giving the job to another runner, ask GitLab: a job whose
        // log grew, or that no longer runs, reached a runner and must not be handed out again.
        const reached = await reachedARunner(jobId);
        if (reached === null) continue; // GitLab did not answer: decide next sweep, never blind
        if (reached) {
          await deps.queue.markAcked(jobId);
          deps.events.inc({ event: "handoff_acked_by_gitlab" });
          log.warn({ jobId, runnerId }, "hand-off acknowledgement was lost, but GitLab shows a runner has the job; kept");
        } else if (await deps.queue.undoHandoff(jobId, runnerId, handoff.at)) {
          // Named by its time: the hand-off judged here, not one made since (another sweep, here or on another
          // replica, may have undone it while GitLab was asked, and the job gone to the same runner again).
          deps.events.inc({ event: "handoff_unacked_requeued" });
          log.warn({ jobId, runnerId }, "runner never acknowledged its job; requeued");
        }
      } else {
        await keepAlive(jobId);
      }
    }
    for (const pool of deps.pools) {
      await deps.queue.prunePolling(pool, now() - deps.pollFreshMs);
      await sweepPool(pool);
      if (expired > 0) deps.onRequeued(pool);
    }
    // Jobs that moved on (acknowledged, finished) stop being touched: forget them after a while.
    for (const [jobId, at] of lastKeepAlive) if (now() - at > 4 * deps.keepAliveIntervalMs + deps.handoffAckTimeoutMs) lastKeepAlive.delete(jobId);
  }

  /** True when GitLab shows the job went to a runner (log written, or no longer running); null if unsure. */
  async function reachedARunner(jobId: number): Promise<boolean | null> {
    const raw = await deps.queue.payload(jobId);
    const job = readStoredPayload(raw);
    if (!job) return false;
    const probe = await deps.api.traceSize(jobId, job.token).catch((err: unknown) => {
      log.warn({ jobId, err: (err as Error).message }, "trace probe failed");
      return null;
    });
    if (!probe || probe.status >= 500) return null;
    if (isNotRunning(probe) && isStoppedJobStatus(probe.jobStatus)) return true;
    if (probe.size === null) return null;
    return probe.size > 0;
  }

  /** PUT state=running for a job we hold, at most once per keep-alive interval; null when not due. */
  async function keepAlive(jobId: number): Promise<{ status: number; jobStatus: string | null } | null> {
    const last = lastKeepAlive.get(jobId);
    if (last !== undefined && now() - last < deps.keepAliveIntervalMs) return null;
    const raw = await deps.queue.payload(jobId);
    const job = readStoredPayload(raw);
    if (!job) return null;
    const res = await deps.api.updateJob(jobId, job.token, "running").catch((err: unknown) => {
      log.warn({ jobId, err: (err as Error).message }, "keep-alive failed");
      return null;
    });
    if (res) {
      lastKeepAlive.set(jobId, now());
      deps.events.inc({ event: "keep_alive" });
    }
    return res;
  }

  const stop = startPeriodic(sweep, deps.sweepIntervalMs, (err) => log.warn({ err: (err as Error).message }, "sweep failed"));
  return { sweep, stop };
}
