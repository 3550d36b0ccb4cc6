import type { GitLabFleetApi, GitLabRunnerJob } from "@switchyard/gitlab-client";
import type { Lease, Logger } from "@switchyard/runtime";
import type { Counter } from "prom-client";
import type { ReconcileResult } from "../assigner-metrics.js";
import type { JobSightings } from "./job-sightings.js";
import { decideLostJobs, decideStaleHandoffs } from "./lost-jobs.js";

/**
 * Reconcile with GitLab: jobs GitLab says run on a pool's registration that Switchyard no longer knows
 * (its Redis lost them) would die by GitLab's stale-job rule 30 minutes later with nothing said. At
 * start-up and every interval, the replica holding the lease lists them (REST), and a job lost for the
 * whole grace period (lost-jobs.ts) is cancelled, then retried, so a fresh copy enters the queue.
 */
export interface Reconciler {
  /** One pass now (tests; the timer calls it too). */
  pass(): Promise<void>;
  stop(): Promise<void>;
}


export interface ReconcilerDeps {
  pools: readonly { name: string; upstreamToken: string }[];
  /** The registration's numeric runner id in GitLab (`POST /runners/verify` answers it). */
  runnerIdOf: (upstreamToken: string) => Promise<number>;
  gitlab: Pick<GitLabFleetApi, "runningJobs" | "cancelJob" | "retryJob">;
  /** Held (queued, reserved) or handed off according to Redis. */
  isKnown: (jobId: number) => Promise<boolean>;
  /** Redis's hand-off records made before a time, and how to drop one whose job ended unseen. */
  handoffs: {
    before: (olderThan: number) => Promise<{ jobId: number; at: number }[]>;
    /** Forgets the job everywhere (record, job token, fairness counters); its pool, or null when Redis no longer had it. */
    forget: (jobId: number) => Promise<string | null>;
  };
  sightings: Pick<JobSightings, "lastSeen">;
  /** Only its holder reconciles, so two replicas never both cancel and retry; its TTL must outlast a pass interval. */
  lease: Pick<Lease, "ensure" | "release">;
  intervalMs: number;
  graceMs: number;
  log: Logger;
  recovered: Counter<"pool" | "result">;
  /** A lost job was cancelled and retried in GitLab: its end, for the outcome (Redis no longer knew it). */
  onRetried?: (pool: string, job: GitLabRunnerJob & { projectId: number }) => Promise<void>;
  now?: () => number;
}

/** A job cancelled gracefully (`canceling`) is not retryable (Ci::Build#retryable?) until GitLab drops it to canceled. */
interface AwaitingCancel { pool: string; job: GitLabRunnerJob & { projectId: number }; since: number }

/**
 * The reconcile lease's TTL: it outlasts the gap between two passes (an interval plus a pass shorter than
 * one), and a dead holder's lapses within two intervals. Its successor suspects a job lost when the holder
 * died at its next pass and recovers it a grace later: within 3 × interval + grace of the loss, 25 minutes
 * with the defaults, inside GitLab's 30-minute stale-job rule. (With a grace added to the TTL, as before,
 * that was 35 minutes: a broker killed while reconciling lost the jobs in its own requests.) A short TTL
 * cannot make two replicas act on one job: a new holder acts only on jobs it has itself suspected for a
 * whole grace, and a holder that lost the lease forgets its suspects at its next pass.
 */
export const reconcileLeaseTtlMs = (intervalMs: number): number => 2 * intervalMs;

const GIVE_UP_AWAITING_MS = 2 * 60 * 60_000;
/** How soon a cancelled lost job whose retry failed (or that GitLab still cancels) is tried again. */
export const AWAITING_RETRY_MS = 30_000;
export function startReconciler(deps: ReconcilerDeps): Reconciler {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "reconcile" });
  const runnerIds = new Map<string, number>();
  let suspects = new Map<number, number>();
  const awaiting = new Map<number, AwaitingCancel>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const count = (pool: string, result: ReconcileResult) => deps.recovered.inc({ pool, result });

  async function retry(pool: string, job: GitLabRunnerJob & { projectId: number }): Promise<boolean> {
    const { id: jobId, projectId } = job;
    try {
      const fresh = await deps.gitlab.retryJob(projectId, jobId);
      count(pool, "retried");
      log.warn({ pool, jobId, retriedAs: fresh.id, projectId }, "job lost by Switchyard (not in Redis, no runner calling): cancelled and retried in GitLab");
      await deps.onRetried?.(pool, job).catch((err: unknown) => log.warn({ jobId, err: (err as Error).message }, "outcome of a retried lost job not recorded"));
      return true;
    } catch (err) {
      if ((err as { status?: unknown }).status === 403) return false; // still canceling, or no longer retryable
      throw err;
    }
  }

  async function recover(pool: string, job: GitLabRunnerJob): Promise<void> {
    if (job.projectId === null) {
      count(pool, "failed");
      log.error({ pool, jobId: job.id }, "lost job has no project id in GitLab's answer; left to GitLab's stale-job rule");
      return;
    }
    let cancelled = await deps.gitlab.cancelJob(job.projectId, job.id);
    // The pool advertised cancel_gracefully, so GitLab waits for a final update that no runner will
    // send: force it (GitLab 17.10+ with force_cancel_build). Where that is refused or unknown, GitLab
    // drops it after its stale-canceling timeout (no_updates_canceling) and the retry follows then.
    if (cancelled.status === "canceling") cancelled = await deps.gitlab.cancelJob(job.projectId, job.id, true).catch(() => cancelled);
    const withProject = { ...job, projectId: job.projectId };
    // Cancelled now: GitLab no longer lists it as running, so a retry that fails here (GitLab's 5xx, a
    // network error) would never be tried again by a later pass. It goes on the retry list instead.
    const retried = cancelled.status === "canceling" ? false : await retry(pool, withProject).catch((err: unknown) => {
      log.warn({ pool, jobId: job.id, err: (err as Error).message }, "retrying a cancelled lost job failed; on the retry list");
      return false;
    });
    if (!retried) {
      awaiting.set(job.id, { pool, job: withProject, since: now() });
      count(pool, "canceling");
      log.warn({ pool, jobId: job.id, status: cancelled.status }, "lost job cancelled; retried once GitLab finishes cancelling it");
    }
  }

  async function retryAwaiting(): Promise<void> {
    for (const [jobId, a] of awaiting) {
      if (await retry(a.pool, a.job).catch((err: unknown) => { log.warn({ jobId, err: (err as Error).message }, "retrying a lost job failed"); return false; })) {
        awaiting.delete(jobId);
      } else if (now() - a.since > GIVE_UP_AWAITING_MS) {
        awaiting.delete(jobId);
        count(a.pool, "failed");
        log.error({ pool: a.pool, jobId }, "lost job never became retryable; given up");
      }
    }
  }

  /** Drops hand-offs of jobs GitLab no longer runs on any pool (their end was missed during a Redis outage). */
  async function forgetStaleHandoffs(running: ReadonlySet<number>, listedAt: number): Promise<void> {
    const handoffs = await deps.handoffs.before(listedAt - deps.graceMs);
    const stale = decideStaleHandoffs({ handoffs, running, lastSeenAt: await deps.sightings.lastSeen(handoffs.map((h) => h.jobId)), now: listedAt, graceMs: deps.graceMs });
    for (const jobId of stale) {
      const pool = await deps.handoffs.forget(jobId);
      if (pool === null) continue;
      count(pool, "forgotten");
      log.info({ jobId, pool }, "hand-off of a job GitLab no longer runs (its end was missed, Redis unreachable): record, job token and counters dropped");
    }
  }

  async function reconcilePool(pool: { name: string; upstreamToken: string }, next: Map<number, number>, runningAll: Set<number>): Promise<void> {
    let runnerId = runnerIds.get(pool.name);
    if (runnerId === undefined) {
      runnerId = await deps.runnerIdOf(pool.upstreamToken);
      runnerIds.set(pool.name, runnerId);
    }
    const listed = await deps.gitlab.runningJobs(runnerId);
    for (const j of listed) runningAll.add(j.id);
    const running = listed.filter((j) => !awaiting.has(j.id));
    const ids = running.map((j) => j.id);
    const known = new Set<number>();
    for (const id of ids) if (await deps.isKnown(id)) known.add(id);
    const decision = decideLostJobs({ running: ids, known, lastSeenAt: await deps.sightings.lastSeen(ids), suspects, now: now(), graceMs: deps.graceMs });
    for (const [id, at] of decision.suspects) next.set(id, at);
    for (const id of decision.lost) {
      // Ask again right before touching it: never touch a job Switchyard knows or a runner is working on.
      const seen = (await deps.sightings.lastSeen([id])).get(id);
      if (await deps.isKnown(id) || (seen !== undefined && now() - seen < deps.graceMs)) continue;
      await recover(pool.name, running.find((j) => j.id === id)!).catch((err: unknown) => {
        count(pool.name, "failed");
        log.error({ pool: pool.name, jobId: id, err: (err as Error).message }, "recovering a lost job failed; tried again next pass if GitLab still lists it");
      });
    }
  }

  async function pass(): Promise<void> {
    if (!(await deps.lease.ensure())) { suspects = new Map(); return; } // another replica reconciles
    await retryAwaiting();
    const next = new Map<number, number>();
    const runningAll = new Set<number>();
    const listedAt = now();
    let everyPoolListed = true;
    for (const pool of deps.pools) {
      await reconcilePool(pool, next, runningAll).catch((err: unknown) => {
        everyPoolListed = false;
        log.warn({ pool: pool.name, err: (err as Error).message }, "reconcile pass failed for pool");
      });
    }
    suspects = next;
    // Only with every pool's list: a pool GitLab did not answer for could be running any of them.
    if (everyPoolListed) await forgetStaleHandoffs(runningAll, listedAt);
  }

  function schedule(): void {
    if (stopped) return;
    // With suspects, come back when the first one's grace period ends rather than a whole interval later.
    // A cancelled job waiting for its retry is re-tried within AWAITING_RETRY_MS, not a whole interval later.
    const due = [...suspects.values()].map((at) => at + deps.graceMs - now());
    if (awaiting.size > 0) due.push(AWAITING_RETRY_MS);
    const delay = Math.max(250, Math.min(deps.intervalMs, ...due));
    timer = setTimeout(() => {
      current = pass().catch((err: unknown) => log.warn({ err: (err as Error).message }, "reconcile pass failed")).finally(schedule);
    }, delay);
    timer.unref();
  }

  current = pass().catch((err: unknown) => log.warn({ err: (err as Error).message }, "reconcile pass failed")).finally(schedule);
  return {
    pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      await deps.lease.release().catch(() => undefined);
    },
  };
}
