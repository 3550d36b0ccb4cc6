import { randomBytes } from "node:crypto";
import type { Logger } from "@switchyard/runtime";
import { executeJob, type ReceivedJob, type RunnerWork } from "./job-execution.js";
import { renderRunnerMetrics } from "./runner-metrics.js";
import { runnerInfo, sleep } from "./runner-protocol.js";

/** One simulated gitlab-runner entry. */
export interface SimulatedRunnerOptions {
  id: string;
  token: string;
  limit: number;
  url: string;
  speed: number;
  log: Logger;
  diskUsedRatio?: number;
  diskSizeBytes?: number;
  /** Real ms between polls after a 204 (gitlab-runner's check_interval, 3 s, divided by speed by default). */
  checkIntervalMs?: number;
  /** Timeout of one jobs/request call, real ms (default 120 s; long polls last up to ~50 s). */
  requestTimeoutMs?: number;
  maxRetryWaitMs?: number;
  extraFeatures?: Record<string, boolean>;
  /** gitlab-runner's request_concurrency: jobs/request calls held at once (default 1). */
  requestConcurrency?: number;
  /** What the runner does with a job (default "full"; "light" = acknowledge and finish at once). */
  work?: RunnerWork;
  /** Told of every job the moment the runner got it (the bench's hand-off clock). */
  onReceived?: (jobId: number) => void;
}

/** What tests read from a simulated runner. */
export interface SimulatedRunnerStats {
  id: string;
  running: number;
  jobsReceived: number;
  jobIds: number[];
  succeeded: number;
  failed: number;
  aborted: number;
  errors: number;
  verified: boolean;
  stoppedReason: string | null;
}

/** A simulated gitlab-runner process entry: verify, then poll only with a free slot, run jobs, expose metrics. */
export interface SimulatedRunner {
  readonly id: string;
  start(): void;
  stop(): Promise<void>;
  stats(): SimulatedRunnerStats;
  metricsText(): string;
  setDiskUsedRatio(ratio: number): void;
}

/** Creates a simulated runner; call start() to begin polling. */
export function createSimulatedRunner(options: SimulatedRunnerOptions): SimulatedRunner {
  const log = options.log.child({ runner: options.id });
  const systemId = `s_${randomBytes(6).toString("hex")}`;
  const info = runnerInfo(options.id, options.extraFeatures);
  const aborter = new AbortController();
  const checkIntervalMs = options.checkIntervalMs ?? 3000 / options.speed;
  const running = new Set<number>();
  const durations: number[] = [];
  const stats: SimulatedRunnerStats = {
    id: options.id, running: 0, jobsReceived: 0, jobIds: [], succeeded: 0, failed: 0, aborted: 0, errors: 0, verified: false, stoppedReason: null,
  };
  let diskUsedRatio = options.diskUsedRatio ?? 0.2;
  let lastUpdate = "";
  /** jobs/request calls in flight; each holds a build slot, as gitlab-runner's acquireBuild does before it asks. */
  let inflight = 0;
  let halted = false;
  const slotWaiters = new Set<() => void>();
  const slotFreed = () => { for (const w of [...slotWaiters]) w(); };
  const waitForSlot = () => new Promise<void>((resolve) => {
    const done = () => { slotWaiters.delete(done); aborter.signal.removeEventListener("abort", done); resolve(); };
    slotWaiters.add(done);
    aborter.signal.addEventListener("abort", done, { once: true });
  });
  let loop: Promise<void> | null = null;
  const jobRuns = new Set<Promise<void>>();
  const headers = { "Content-Type": "application/json", Accept: "application/json", "RUNNER-TOKEN": options.token };

  const post = async (path: string, body: unknown): Promise<{ status: number; headers: Headers; body: Buffer }> => {
    const call = new AbortController();
    const cancel = () => call.abort();
    const timer = setTimeout(cancel, options.requestTimeoutMs ?? 120_000);
    aborter.signal.addEventListener("abort", cancel, { once: true });
    try {
      const res = await fetch(`${options.url}${path}`, { method: "POST", headers, body: JSON.stringify(body), signal: call.signal });
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    } finally {
      clearTimeout(timer);
      aborter.signal.removeEventListener("abort", cancel);
    }
  };

  const verify = async (): Promise<boolean> => {
    while (!aborter.signal.aborted) {
      try {
        const res = await post("/api/v4/runners/verify", { token: options.token, system_id: systemId, info });
        if (res.status === 200) { stats.verified = true; return true; }
        if (res.status === 403) { stats.stoppedReason = "verify: 403 forbidden"; log.error("runner verify refused (403)"); return false; }
      } catch (err) {
        if (aborter.signal.aborted) return false;
        log.warn({ err: (err as Error).message }, "runner verify failed; retrying");
      }
      stats.errors++;
      await sleep(Math.max(checkIntervalMs, 50), aborter.signal);
    }
    return false;
  };

  const runJob = (job: ReceivedJob) => {
    running.add(job.id);
    stats.jobsReceived++;
    stats.jobIds.push(job.id);
    options.onReceived?.(job.id);
    const run = executeJob(job, { url: options.url, work: options.work, info, speed: options.speed, maxRetryWaitMs: options.maxRetryWaitMs ?? 200, signal: aborter.signal, log })
      .then((result) => {
        if (result.kind === "aborted") { stats.aborted++; return; }
        durations.push(result.durationSeconds);
        if (result.state === "success") stats.succeeded++; else stats.failed++;
      })
      .catch((err: unknown) => { stats.errors++; log.error({ err: (err as Error).message, jobId: job.id }, "job run failed"); })
      .finally(() => { running.delete(job.id); jobRuns.delete(run); slotFreed(); });
    jobRuns.add(run);
  };

  // One of gitlab-runner's request workers for this [[runners]] entry (commands/multi.go processRunner):
  // take a build slot, ask, and after a job ask again at once; all share the token, system_id and last_update.
  const requestWorker = async () => {
    while (!aborter.signal.aborted && !halted) {
      if (options.limit > 0 && running.size + inflight >= options.limit) { await waitForSlot(); continue; }
      inflight++;
      try {
        const res = await post("/api/v4/jobs/request", { token: options.token, system_id: systemId, info, last_update: lastUpdate });
        lastUpdate = res.headers.get("x-gitlab-last-update") ?? lastUpdate;
        if (res.status === 201) { runJob(JSON.parse(res.body.toString("utf8")) as ReceivedJob); continue; }
        if (res.status === 403) { halted = true; stats.stoppedReason = "jobs/request: 403 forbidden"; log.error("jobs/request refused (403); stopping"); return; }
        if (res.status !== 204) stats.errors++;
      } catch (err) {
        if (aborter.signal.aborted) return;
        stats.errors++;
        log.warn({ err: (err as Error).message }, "jobs/request failed");
      } finally {
        inflight--;
        slotFreed();
      }
      await sleep(checkIntervalMs, aborter.signal);
    }
  };

  const pollLoop = async () => {
    if (!(await verify())) return;
    await Promise.all(Array.from({ length: Math.max(1, options.requestConcurrency ?? 1) }, () => requestWorker()));
  };

  return {
    id: options.id,
    start() { loop ??= pollLoop(); },
    async stop() {
      aborter.abort();
      await loop;
      await Promise.allSettled([...jobRuns]);
    },
    stats: () => ({ ...stats, running: running.size, jobIds: [...stats.jobIds] }),
    metricsText: () => renderRunnerMetrics({
      runnerId: options.id, systemId, limit: options.limit, running: running.size, jobsTotal: stats.jobsReceived,
      failedJobsTotal: stats.failed, errorsTotal: stats.errors, durations, diskSizeBytes: options.diskSizeBytes ?? 100 * 1024 ** 3, diskUsedRatio,
    }),
    setDiskUsedRatio(ratio) { diskUsedRatio = ratio; },
  };
}
