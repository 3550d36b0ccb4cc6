import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import type { Logger } from "@switchyard/runtime";
import type { SimClock } from "../clock.js";
import {
  historyJobSchema, jobSpecSchema, runnerRegistrationSchema,
  type HistoryJobInput, type JobSpecInput, type JobStateChange, type JobStatus, type JobView, type RunnerRegistrationInput, type SimJob, type SimRunner,
} from "./model.js";
import { missingFeatures, orderCandidates, runnerCanTake } from "./job-matching.js";

/**
 * GitLab drops a running job whose updated_at is older than this as `no_updates_running`, and a canceling
 * one as `no_updates_canceling` (newest GitLab, 18.x: StuckBuilds::DropRunningService
 * BUILD_RUNNING_OUTDATED_TIMEOUT with `ci_lower_stuck_build_timeouts` on, DropCancelingService
 * BUILD_CANCELING_OUTDATED_TIMEOUT; older GitLab waited an hour and said `stuck_or_timeout_failure`).
 */
export const STALE_RUNNING_MS = 30 * 60_000;
/** PUT state=running touches updated_at only when it is older than this (Ci::Build#needs_touch?). */
export const TOUCH_AFTER_MS = 15 * 60_000;
/** Lifetime of a runner's queue value in Redis (Ci::Runner::RUNNER_QUEUE_EXPIRY_TIME). */
export const RUNNER_QUEUE_EXPIRY_MS = 60 * 60_000;
/** Grace GitLab adds to a job's timeout before dropping it (TimedOutBuilds MINUTE_BUFFER). */
export const TIMEOUT_BUFFER_MS = 15 * 60_000;

/** Runner metadata sent in jobs/request `info`. */
export interface RunnerInfo {
  name?: string; version?: string; revision?: string; platform?: string; architecture?: string; executor?: string;
  features?: Record<string, unknown>;
}

/** Outcome of one job pick: a job, or why there was none. */
export type PickResult = { kind: "job"; job: SimJob; instanceRunningForProject: number } | { kind: "none" };

/** The in-process state API of the simulated GitLab: runners, jobs, queue versions, events ("job"). */
export interface GitLabState {
  readonly events: EventEmitter<{ job: [JobStateChange] }>;
  readonly clock: SimClock;
  registerRunner(input: RunnerRegistrationInput): SimRunner;
  runner(id: number): SimRunner | undefined;
  runnerByToken(token: string): SimRunner | undefined;
  runners(): SimRunner[];
  setPaused(runnerId: number, paused: boolean): SimRunner;
  /** When the runner's own jobs/request or verify last reached Rails (Ci::Runner `contacted_at`). */
  contactedAt(runner: SimRunner): number | null;
  heartbeat(runner: SimRunner, info: RunnerInfo | undefined, ip: string | null, systemId?: string): void;
  /** DELETE /runners: the runner and its token are gone. */
  unregisterRunner(runner: SimRunner): void;
  /** POST /runners/reset_authentication_token: a new token; the old one stops working. */
  resetToken(runner: SimRunner): string;
  queueVersion(runnerId: number): string;
  /** Resolves when the runner's queue version differs from `version`, or after `timeoutMs`. */
  waitForQueueChange(runnerId: number, version: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  enqueueJob(spec: JobSpecInput, pipelineId?: number): number;
  /** Adds a job that already ran (history for the REST job lists); never pending, emits no event. Returns its id. */
  recordFinishedJob(input: HistoryJobInput): number;
  nextPipelineId(): number;
  pickJob(runner: SimRunner, info: RunnerInfo | undefined): PickResult;
  jobRecord(id: number): SimJob | undefined;
  job(id: number): JobView | undefined;
  jobs(): SimJob[];
  /** Keep-alive: touches updated_at when older than 15 simulated minutes. */
  touch(job: SimJob): void;
  /** A runner's final update; a `canceling` job ends `canceled` whatever the runner reports (Ci::HasStatus `drop`/`success`). */
  finish(job: SimJob, state: "success" | "failed", failureReason: string | null, exitCode: number | null): void;
  /**
   * Cancels a job: a pending job, or a running one whose runner did not advertise `cancel_gracefully`, becomes
   * `canceled`; a running job on a runner that did becomes `canceling` until the runner reports (Ci::Build#cancel).
   * `force` ends a `canceling` job as `canceled` at once (Ci::Build#force_cancel, lib/api/ci/jobs.rb cancel's
   * `force` param; behind GitLab's `force_cancel_build` flag, taken as enabled here).
   */
  cancel(jobId: number, force?: boolean): SimJob | undefined;
  /**
   * Retries a finished job (Ci::RetryJobService#execute → #clone!): a new pending job with the same spec in the
   * same pipeline; the old one keeps its status and is marked retried. Undefined when it is not retryable
   * (Ci::Build#retryable?: only success, failed or canceled, and not already retried).
   */
  retry(jobId: number): SimJob | undefined;
  /** Drops stale and timed-out running jobs; returns the ids dropped. */
  reapStale(): number[];
  counts(): Record<JobStatus, number>;
}

export interface GitLabStateDeps {
  clock: SimClock;
  log: Logger;
  /** Drop running jobs past timeout + 15 min as job_execution_timeout (default true). */
  enforceJobTimeout?: boolean;
}

/** Creates the simulated GitLab's state. Single-threaded JS makes every pick atomic. */
export function createGitLabState({ clock, log, enforceJobTimeout = true }: GitLabStateDeps): GitLabState {
  const events = new EventEmitter<{ job: [JobStateChange] }>();
  events.setMaxListeners(0);
  const runners = new Map<number, SimRunner>();
  const byToken = new Map<string, SimRunner>();
  const jobs = new Map<number, SimJob>();
  const pending = new Set<number>();
  /**
   * Jobs running or canceling: what the fair-scheduling counts and the stale sweep look at. Kept beside
   * `jobs` (which keeps every job ever, for the REST lists) so a pick or a sweep costs the active jobs,
   * not the whole history: a long bench would otherwise pay for every finished job on every jobs/request.
   */
  const active = new Set<number>();
  const versions = new Map<number, { value: string; at: number }>();
  const waiters = new Map<number, Set<() => void>>();
  let nextJobId = 1000;
  let pipelineSeq = 100;

  // A runner queue value is opaque: the runner sends it back and Workhorse compares it for equality
  // (Ci::Runner#tick_runner_queue stores SecureRandom.hex). A random prefix per GitLab and a counter give
  // the same guarantee, a value never seen before on every tick, without drawing random bytes for each of
  // the hundreds of runners a new job ticks (a fifth of the sim's CPU under the live bench).
  const versionPrefix = randomBytes(4).toString("hex");
  let versionSeq = 0;
  const newVersion = () => {
    versionSeq = (versionSeq + 1) >>> 0;
    return { value: versionPrefix + versionSeq.toString(16).padStart(8, "0"), at: clock.now() };
  };
  const tick = (runnerId: number) => {
    versions.set(runnerId, newVersion());
    for (const wake of waiters.get(runnerId) ?? []) wake();
  };
  const transition = (job: SimJob, to: JobStatus) => {
    const from = job.status;
    job.status = to;
    job.updatedAt = clock.now();
    if (to !== "pending") pending.delete(job.id);
    if (to === "running" || to === "canceling") active.add(job.id); else active.delete(job.id);
    if (to === "success" || to === "failed" || to === "canceled") job.finishedAt = job.updatedAt;
    log.debug({ jobId: job.id, from, to, runnerId: job.runnerId, failureReason: job.failureReason }, "job state change");
    events.emit("job", { id: job.id, pipelineId: job.pipelineId, from, to, runnerId: job.runnerId, failureReason: job.failureReason });
  };
  // Ci::HasStatus `drop`: `transition canceling: :canceled`, anything else active => :failed.
  const drop = (job: SimJob, reason: string) => { job.failureReason = reason; transition(job, job.status === "canceling" ? "canceled" : "failed"); };
  const instanceRunningCounts = () => {
    const counts = new Map<number, number>();
    for (const id of active) {
      const job = jobs.get(id)!;
      if (job.status !== "running" || job.runnerId === null) continue;
      if (runners.get(job.runnerId)?.runnerType !== "instance_type") continue;
      counts.set(job.spec.projectId, (counts.get(job.spec.projectId) ?? 0) + 1);
    }
    return counts;
  };
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

  const state: GitLabState = {
    events, clock,
    registerRunner(input) {
      const reg = runnerRegistrationSchema.parse(input);
      if (runners.has(reg.id)) throw new Error(`register runner: id ${reg.id} already registered`);
      if (byToken.has(reg.token)) throw new Error(`register runner ${reg.id}: token already in use`);
      const runner: SimRunner = { ...reg, managers: new Map(), contactedAt: null, ipAddress: null, version: null, revision: null, platform: null, architecture: null, name: null };
      runners.set(runner.id, runner);
      byToken.set(runner.token, runner);
      versions.set(runner.id, newVersion());
      return runner;
    },
    runner: (id) => runners.get(id),
    runnerByToken: (token) => byToken.get(token),
    runners: () => [...runners.values()].sort((a, b) => a.id - b.id),
    setPaused(runnerId, paused) {
      const runner = runners.get(runnerId);
      if (!runner) throw new Error(`set paused: runner ${runnerId} not found`);
      runner.paused = paused;
      tick(runnerId);
      return runner;
    },
    contactedAt: (runner) => runner.contactedAt,
    heartbeat(runner, info, ip, systemId) {
      runner.contactedAt = clock.now();
      runner.ipAddress = ip ?? runner.ipAddress;
      applyInfo(runner, info);
      if (!systemId) return;
      // Ci::Runner#ensure_manager: one row per (runner, system_xid), found or created. Ci::RunnerManager#heartbeat
      // keeps version, revision, platform, architecture and ip_address from `info` (not its name) and the contact time.
      const m = runner.managers.get(systemId) ?? { systemId, createdAt: clock.now(), contactedAt: clock.now(), ipAddress: null, version: null, revision: null, platform: null, architecture: null };
      m.contactedAt = clock.now();
      m.ipAddress = ip ?? m.ipAddress;
      applyInfo(m, info);
      runner.managers.set(systemId, m);
    },
    unregisterRunner(runner) {
      byToken.delete(runner.token);
      runners.delete(runner.id);
    },
    resetToken(runner) {
      byToken.delete(runner.token);
      runner.token = `glrt-${randomBytes(15).toString("base64url")}`;
      byToken.set(runner.token, runner);
      return runner.token;
    },
    queueVersion(runnerId) {
      let v = versions.get(runnerId);
      // Ci::Runner#ensure_runner_queue_value: the Redis key expires after RUNNER_QUEUE_EXPIRY_TIME (1 h); an
      // expired key gets a new value, so an idle long-polling runner reaches Rails (and is contacted) hourly.
      if (v === undefined || clock.now() - v.at >= RUNNER_QUEUE_EXPIRY_MS) { v = newVersion(); versions.set(runnerId, v); }
      return v.value;
    },
    waitForQueueChange(runnerId, version, timeoutMs, signal) {
      if (state.queueVersion(runnerId) !== version) return Promise.resolve();
      return new Promise((resolve) => {
        const set = waiters.get(runnerId) ?? new Set<() => void>();
        waiters.set(runnerId, set);
        const done = () => { clearTimeout(timer); set.delete(done); signal?.removeEventListener("abort", done); resolve(); };
        const timer = setTimeout(done, timeoutMs);
        set.add(done);
        signal?.addEventListener("abort", done, { once: true });
      });
    },
    nextPipelineId: () => ++pipelineSeq,
    enqueueJob(input, pipelineId) {
      const spec = jobSpecSchema.parse(input);
      const now = clock.now();
      const job: SimJob = {
        id: ++nextJobId, spec, pipelineId: pipelineId ?? spec.pipelineId ?? state.nextPipelineId(),
        token: `glcbt-64_${randomBytes(15).toString("base64url")}`, status: "pending", runnerId: null,
        createdAt: now, queuedAt: now, startedAt: null, finishedAt: null, updatedAt: now, failureReason: null, exitCode: null,
        trace: Buffer.alloc(0), finalUpdateAttempts: 0, artifact: null, cancelGracefully: false, retried: false, retriedAs: null,
      };
      jobs.set(job.id, job);
      pending.add(job.id);
      events.emit("job", { id: job.id, pipelineId: job.pipelineId, from: null, to: "pending", runnerId: null, failureReason: null });
      for (const runner of runners.values()) if (runnerCanTake(runner, job)) tick(runner.id);
      return job.id;
    },
    recordFinishedJob(input) {
      const { createdAt, queuedAt, startedAt, finishedAt, status, runnerId, ...specInput } = historyJobSchema.parse(input);
      if (runnerId !== null && !runners.has(runnerId)) throw new Error(`record finished job: runner ${runnerId} is not registered`);
      const spec = jobSpecSchema.parse(specInput);
      const at = (t: number | string) => (typeof t === "number" ? t : Date.parse(t));
      const job: SimJob = {
        id: ++nextJobId, spec, pipelineId: spec.pipelineId ?? state.nextPipelineId(),
        token: `glcbt-64_${randomBytes(15).toString("base64url")}`, status, runnerId,
        createdAt: at(createdAt), queuedAt: at(queuedAt ?? createdAt), startedAt: at(startedAt), finishedAt: at(finishedAt),
        updatedAt: at(finishedAt), failureReason: status === "failed" ? "script_failure" : null, exitCode: status === "failed" ? 1 : 0,
        trace: Buffer.alloc(0), finalUpdateAttempts: 0, artifact: null, cancelGracefully: false, retried: false, retriedAs: null,
      };
      jobs.set(job.id, job);
      return job.id;
    },
    pickJob(runner, info) {
      const candidates = [...pending].map((id) => jobs.get(id)!).filter((job) => runnerCanTake(runner, job));
      const counts = instanceRunningCounts();
      for (const job of orderCandidates(runner, candidates, counts)) {
        const missing = missingFeatures(job, info?.features);
        if (missing.length > 0) {
          log.info({ jobId: job.id, runnerId: runner.id, missing }, "job dropped: runner_unsupported");
          drop(job, "runner_unsupported");
          continue;
        }
        job.runnerId = runner.id;
        job.startedAt = clock.now();
        job.cancelGracefully = info?.features?.cancel_gracefully === true;
        transition(job, "running");
        return { kind: "job", job, instanceRunningForProject: counts.get(job.spec.projectId) ?? 0 };
      }
      return { kind: "none" };
    },
    jobRecord: (id) => jobs.get(id),
    job(id) {
      const job = jobs.get(id);
      if (!job) return undefined;
      return {
        id: job.id, retriedAs: job.retriedAs, name: job.spec.name, stage: job.spec.stage, projectId: job.spec.projectId, pipelineId: job.pipelineId,
        status: job.status, runnerId: job.runnerId, createdAt: iso(job.createdAt)!, startedAt: iso(job.startedAt),
        finishedAt: iso(job.finishedAt), failureReason: job.failureReason, exitCode: job.exitCode, traceSize: job.trace.length,
        artifact: job.artifact ? { filename: job.artifact.filename, size: job.artifact.bytes.length } : null,
        tags: job.spec.tags, protected: job.spec.protected, environmentTier: job.spec.environment?.tier ?? null,
      };
    },
    jobs: () => [...jobs.values()],
    touch(job) {
      if (clock.now() - job.updatedAt > TOUCH_AFTER_MS) job.updatedAt = clock.now();
    },
    finish(job, to, failureReason, exitCode) {
      job.exitCode = exitCode;
      if (job.status === "canceling") { job.failureReason = null; transition(job, "canceled"); return; }
      job.failureReason = to === "failed" ? (failureReason ?? "script_failure") : null;
      transition(job, to);
    },
    cancel(jobId, force = false) {
      const job = jobs.get(jobId);
      if (!job) return undefined;
      if (job.status === "canceling" && force) transition(job, "canceled");
      else if (job.status === "running" && job.cancelGracefully) transition(job, "canceling");
      else if (job.status === "pending" || job.status === "running") transition(job, "canceled");
      return job;
    },
    retry(jobId) {
      const job = jobs.get(jobId);
      if (!job || job.retried || !(job.status === "success" || job.status === "failed" || job.status === "canceled")) return undefined;
      job.retried = true;
      job.retriedAs = state.enqueueJob(job.spec, job.pipelineId);
      return jobs.get(job.retriedAs);
    },
    reapStale() {
      const now = clock.now();
      const dropped: number[] = [];
      // In id order, as a sweep over every job would drop them.
      for (const id of [...active].sort((a, b) => a - b)) {
        const job = jobs.get(id)!;
        if (now - job.updatedAt >= STALE_RUNNING_MS) {
          drop(job, job.status === "canceling" ? "no_updates_canceling" : "no_updates_running");
          dropped.push(job.id);
        }
        else if (job.status === "running" && enforceJobTimeout && job.startedAt !== null && now - job.startedAt >= job.spec.timeoutSeconds * 1000 + TIMEOUT_BUFFER_MS) {
          drop(job, "job_execution_timeout");
          dropped.push(job.id);
        }
      }
      return dropped;
    },
    counts() {
      const out: Record<JobStatus, number> = { pending: 0, running: 0, canceling: 0, success: 0, failed: 0, canceled: 0 };
      for (const job of jobs.values()) out[job.status]++;
      return out;
    },
  };
  return state;
}

type InfoFields = Pick<SimRunner, "version" | "revision" | "platform" | "architecture"> & { name?: string | null };

/** Keeps what a runner's `info` says about it, field by field; a field it left out keeps its old value. */
function applyInfo(target: InfoFields, info: RunnerInfo | undefined): void {
  if (!info) return;
  if ("name" in target) target.name = info.name ?? target.name ?? null;
  target.version = info.version ?? target.version;
  target.revision = info.revision ?? target.revision;
  target.platform = info.platform ?? target.platform;
  target.architecture = info.architecture ?? target.architecture;
}
