import type { Logger } from "@switchyard/runtime";
import type { Counter } from "prom-client";
import type { HeldJobs } from "../queue/held-jobs.js";
import { honoursRetryAfter, isQueueContention } from "../protocol/job-status.js";
import { createSignal, type Signal } from "../signal.js";
import type { GitLabRunnerApi, RunnerFeatures } from "./gitlab-runner-api.js";
import type { Intake } from "./intake.js";

/** One pool's upstream registration: how Switchyard appears to GitLab. */
export interface PoolRegistration {
  name: string;
  upstreamToken: string;
  lookahead: number;
}

export interface PoolPollerDeps {
  pool: PoolRegistration;
  api: GitLabRunnerApi;
  /** The `info.features` to send on the next request (learned from the pool's runners). */
  features: () => RunnerFeatures;
  queue: Pick<HeldJobs, "heldCount">;
  intake: Intake;
  /** Free downstream slots of the pool right now (runners asking for work). */
  freeSlots: () => Promise<number>;
  /** Notified when slots may have opened; the poller waits on it while the pool is full. */
  capacity: Signal;
  /** Notified after a job was taken, so the dispatcher runs. */
  jobArrived: (pool: string) => void;
  systemId: string;
  /** Workers that always ask (one long poll each at Workhorse while GitLab has nothing). */
  concurrency: number;
  /**
   * Extra workers that ask only while GitLab keeps handing out jobs, so a backlog moves into Switchyard's
   * queue at once instead of one job per round trip; each parks at its first answer without a job. They
   * never long-poll an empty queue, so an idle pool costs GitLab `concurrency` requests, not more.
   */
  burst?: number;
  log: Logger;
  pulled: Counter<"pool" | "result">;
  /** gitlab-runner's check_interval: the least time between requests that found no job, and the wait after a failed one (409, 5xx, network). */
  checkIntervalMs: number;
  /** Injectable for tests: the clock, the sleep (must resolve early on abort) and the jitter source. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Longest Retry-After honoured; beyond this GitLab is likely misconfigured, and we look again. */
const MAX_RETRY_AFTER_MS = 15 * 60_000;
const FORBIDDEN_HOLD_MS = 30_000;
/**
 * Least time between the starts of two requests that Workhorse answered with its own 204 one after the
 * other. The first such 204 after an answer from Rails is re-sent at once (a job for the pool is likely
 * there); a second one in a row shows Workhorse is not passing the requests on, e.g. one whose polling
 * duration is (mis)set near zero, and this spacing keeps that to 10 requests a second per worker, all
 * answered by Workhorse from Redis without reaching Rails.
 */
export const WORKHORSE_REPOLL_SPACING_MS = 100;

/**
 * How long the pool stays quiet after a failed jobs/request. gitlab-runner treats 409, 5xx and
 * network errors as a failed check and waits for its next check interval; on 429/503 it honours
 * Retry-After. The jitter (up to +50 %) keeps many assigners from hitting GitLab in step.
 */
export function upstreamRetryDelayMs(status: number | "network", retryAfterMs: number | null, checkIntervalMs: number, random: () => number): number {
  if (status !== "network" && honoursRetryAfter(status) && retryAfterMs !== null) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  return Math.round(checkIntervalMs * (1 + 0.5 * random()));
}

/**
 * The least time from the start of a request that found no job to the start of the next one.
 * - Workhorse's own 204 (no X-GitLab-Last-Update; workhorse/internal/builds/register.go) ends a held poll
 *   when the runner's queue key changed (WatchKeyStatusSeenChange), so a job for the pool may be there now:
 *   ask again at once. The request re-sent with the old value then reaches Rails (WatchKeyStatusAlreadyChanged),
 *   so a second Workhorse 204 in a row for the same value (`afterWorkhorseEmpty`) means the key did not change (its
 *   timeout, or a polling duration near zero): only that one is spaced by WORKHORSE_REPOLL_SPACING_MS from its ask. Spacing
 *   the first one too delayed every job GitLab created less than that after the held poll was sent: at 10 jobs
 *   a second, nearly all of them, by 50 ms on average. gitlab-runner waits for its next check_interval here; a
 *   broker that did so missed every job offered during that wait.
 * - Rails' 204 carrying a queue value other than the one sent (lib/api/ci/runner.rb POST /jobs/request,
 *   ensure_runner_queue_value): the next request, with the new value, parks at Workhorse until the queue
 *   changes, so it costs Rails nothing: send it now. (A 201 carries no value, so the ask after a job is stale.)
 * - Rails' 204 with the value sent (GitLab without long polling): like gitlab-runner (commands/multi.go, one
 *   request per runner per check_interval), wait the check interval.
 */
export function emptyAnswerWaitMs(answered: string | null, sent: string | null, checkIntervalMs: number, afterWorkhorseEmpty = false): number {
  if (answered === null) return afterWorkhorseEmpty ? Math.min(WORKHORSE_REPOLL_SPACING_MS, checkIntervalMs) : 0;
  if (answered !== sent) return 0;
  return checkIntervalMs;
}

/**
 * How long one worker sleeps on a pool-wide hold of `waitMs`: the hold plus its own jitter (up to half the
 * check interval, and never more than half the hold), so a pool's workers do not all hit GitLab the
 * instant the hold ends.
 */
export function holdWakeDelayMs(waitMs: number, checkIntervalMs: number, random: () => number): number {
  return waitMs + Math.round(random() * Math.min(checkIntervalMs, waitMs) * 0.5);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => { clearTimeout(timer); signal.removeEventListener("abort", done); resolve(); };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/**
 * Pulls jobs from GitLab for one pool, only while held jobs stay below free slots plus
 * the look-ahead: everything pulled is `running` in GitLab, so hoarding has a cost.
 */
/** How long stop() lets a jobs/request already sent finish, so a job GitLab hands over then is kept. */
export const STOP_GRACE_MS = 5_000;

export function startPoolPoller(deps: PoolPollerDeps): { stop(graceMs?: number): Promise<void> } {
  const log = deps.log.child({ pool: deps.pool.name });
  // Two signals: waits end the moment the poller stops; a request already sent gets a grace period,
  // because aborting it after GitLab assigned a job loses that job (GitLab thinks it runs here).
  const abort = new AbortController();
  const abortRequests = new AbortController();
  let lastUpdate: string | null = null;
  let stopped = false;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? abortableSleep;
  const random = deps.random ?? Math.random;
  /** Shared by all workers of the pool: one 409 or Retry-After quiets the whole pool, not one loop. */
  let holdUntil = 0;
  const hold = (ms: number) => { holdUntil = Math.max(holdUntil, now() + ms); };

  /** Requests sent and not yet answered: each may bring a job, so they count against the budget. */
  let asking = 0;
  /** When a worker last received a job, and the signal parked burst workers wait on. */
  let lastJobAt = -Infinity;
  const backlog = createSignal();

  /** Takes a place among the requests in flight if held jobs plus those places stay within the budget. */
  async function reserveAsk(): Promise<boolean> {
    // Counted before the Redis reads, so workers checking at the same moment cannot all pass on one free place.
    asking++;
    const [held, free] = await Promise.all([deps.queue.heldCount(deps.pool.name), deps.freeSlots()]).catch((err: unknown) => { asking--; throw err; });
    if (held + asking <= free + deps.pool.lookahead) return true;
    asking--;
    return false;
  }

  async function loop(worker: number): Promise<void> {
    let warned = false;
    const isBurst = worker >= Math.max(1, deps.concurrency);
    let parkedAt = now();
    // A place among the requests in flight lasts until the job it brought is held (intake done), so
    // other workers cannot ask for a place that job is about to fill.
    let reserved = false;
    /**
     * The value this worker's last request sent, when Workhorse answered it with its own 204 (see
     * emptyAnswerWaitMs); undefined after any other answer. A request sending another value (one a sibling
     * worker's answer brought) is a new watch, so a Workhorse 204 to it is a first one again.
     */
    let workhorseEmptyFor: string | null | undefined;
    const release = () => { if (reserved) { reserved = false; asking--; } };
    while (!stopped) {
      try {
        if (isBurst && lastJobAt <= parkedAt) { await backlog.wait(deps.checkIntervalMs); continue; }
        const wait = holdUntil - now();
        if (wait > 0) { await sleep(holdWakeDelayMs(wait, deps.checkIntervalMs, random), abort.signal); continue; }
        if (!(await reserveAsk())) { await deps.capacity.wait(1_000); continue; }
        reserved = true;
        const askedAt = now();
        // A burst worker sends no last_update, so Workhorse passes it straight to Rails and never holds it.
        const sentLastUpdate = isBurst ? null : lastUpdate;
        const result = await deps.api.requestJob(deps.pool.upstreamToken, deps.systemId, sentLastUpdate, deps.features(), abortRequests.signal);
        if (result.kind !== "job") release();
        const afterWorkhorseEmpty = workhorseEmptyFor !== undefined && workhorseEmptyFor === sentLastUpdate;
        workhorseEmptyFor = result.kind === "empty" && result.lastUpdate === null ? sentLastUpdate : undefined;
        if (isBurst && result.kind !== "job") {
          // Park, whatever the answer: a burst worker never waits at Workhorse nor adds to a retry. A 409 here
          // is likely our own workers contending for the pool's queue (Ci::RegisterJobService), not GitLab
          // asking everyone to back off, so it parks this worker and does not hold the pool.
          parkedAt = now();
          deps.pulled.inc({ pool: deps.pool.name, result: result.kind === "retry" ? `http_${result.status}` : result.kind });
          if (result.kind === "retry" && !isQueueContention(result.status)) hold(upstreamRetryDelayMs(result.status, result.retryAfterMs, deps.checkIntervalMs, random));
          if (result.kind === "forbidden") hold(FORBIDDEN_HOLD_MS);
          continue;
        }
        switch (result.kind) {
          case "job": {
            if (!isBurst) lastUpdate = result.lastUpdate ?? lastUpdate;
            lastJobAt = now();
            backlog.notify();
            deps.pulled.inc({ pool: deps.pool.name, result: "job" });
            const meta = await deps.intake(deps.pool.name, result.body).finally(release);
            if (meta) deps.jobArrived(deps.pool.name);
            warned = false;
            break;
          }
          case "empty": {
            lastUpdate = result.lastUpdate ?? lastUpdate;
            deps.pulled.inc({ pool: deps.pool.name, result: "empty" });
            warned = false;
            const rest = emptyAnswerWaitMs(result.lastUpdate, sentLastUpdate, deps.checkIntervalMs, afterWorkhorseEmpty) - (now() - askedAt);
            if (rest > 0) await sleep(rest, abort.signal);
            break;
          }
          case "forbidden":
            deps.pulled.inc({ pool: deps.pool.name, result: "forbidden" });
            log.error("GitLab refused the pool's runner token (403); check upstreamToken");
            hold(FORBIDDEN_HOLD_MS);
            break;
          case "retry": {
            deps.pulled.inc({ pool: deps.pool.name, result: `http_${result.status}` });
            const delay = upstreamRetryDelayMs(result.status, result.retryAfterMs, deps.checkIntervalMs, random);
            if (!warned) log.warn({ status: result.status, delayMs: delay, worker }, "GitLab refused jobs/request; holding the pool");
            warned = true;
            hold(delay);
            break;
          }
        }
      } catch (err) {
        release();
        workhorseEmptyFor = undefined;
        if (stopped) return;
        parkedAt = now();
        deps.pulled.inc({ pool: deps.pool.name, result: "error" });
        const delay = upstreamRetryDelayMs("network", null, deps.checkIntervalMs, random);
        if (!warned) log.warn({ err: (err as Error).message, worker, delayMs: delay }, "upstream poll failed; holding the pool");
        warned = true;
        hold(delay);
      }
    }
  }

  const loops = Array.from({ length: Math.max(1, deps.concurrency) + Math.max(0, deps.burst ?? 0) }, (_, i) => loop(i));
  return {
    async stop(graceMs = STOP_GRACE_MS) {
      stopped = true;
      abort.abort();
      deps.capacity.notify();
      backlog.notify();
      const all = Promise.allSettled(loops);
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<"grace over">((resolve) => { timer = setTimeout(() => resolve("grace over"), graceMs); });
      if ((await Promise.race([all, graceOver])) === "grace over") {
        // Still open past the grace period: a Workhorse long poll waiting for a change. Aborting it
        // while Workhorse waits costs nothing; only one GitLab is answering that instant can be lost.
        log.info({ graceMs }, "jobs/request still open at shutdown; aborting it");
        abortRequests.abort();
        await all;
      }
      clearTimeout(timer);
    },
  };
}
