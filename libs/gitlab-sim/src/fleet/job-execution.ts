import type { Logger } from "@switchyard/runtime";
import { JobAborted, jobVariable, rangeEnd, sleep, traceChecksum } from "./runner-protocol.js";

/** The parts of a jobs/request 201 body a simulated runner uses. */
export interface ReceivedJob {
  id: number;
  token: string;
  job_info?: { name?: string; stage?: string };
  variables?: { key: string; value: string }[];
}

/**
 * How much a simulated runner does with a job. `full` (default) behaves like gitlab-runner: trace chunks and
 * simulated work. `light` only acknowledges (PUT running) and finishes (final PUT) at once: a load driver
 * that costs the simulator as little as a job can, so a benchmark measures the broker rather than the fleet.
 */
export type RunnerWork = "full" | "light";

export interface JobExecutionDeps {
  url: string;
  /** Default "full". */
  work?: RunnerWork;
  info: Record<string, unknown>;
  speed: number;
  /** Longest real wait between final-update retries on 202 (the server's interval is scaled, then capped). */
  maxRetryWaitMs: number;
  signal: AbortSignal;
  log: Logger;
}

/** How a job run ended on the runner side. */
export type JobRunResult = { kind: "finished"; state: "success" | "failed"; durationSeconds: number } | { kind: "aborted"; jobStatus: string | null };

/**
 * Runs one received job like gitlab-runner: accept with PUT state=running, stream trace chunks with
 * Content-Range (rewinding on 416), "work" for SIM_JOB_DURATION_SECONDS / speed, then send the final
 * state, retrying on 202 after X-GitLab-Trace-Update-Interval. A 403 or Job-Status canceled/failed aborts;
 * Job-Status canceling aborts and then sends the final failed update GitLab waits for. With `work: "light"`
 * only the two job updates are sent: running, then the final state (still retried on 202), no trace, no wait.
 */
export async function executeJob(job: ReceivedJob, deps: JobExecutionDeps): Promise<JobRunResult> {
  const { url, info, speed, signal } = deps;
  let trace = Buffer.alloc(0);
  let sent = 0;
  const headers = { "Content-Type": "application/json", Accept: "application/json", "JOB-TOKEN": job.token };
  const checkAbort = (res: Response, final = false) => {
    const jobStatus = res.headers.get("job-status");
    if (res.status === 403 || res.status === 404 || jobStatus === "canceled" || jobStatus === "canceling") throw new JobAborted(job.id, jobStatus);
    if (jobStatus === "failed" && !final) throw new JobAborted(job.id, jobStatus);
  };
  // gitlab-runner retries job calls that fail on the network (server restarts, resets) with backoff.
  const fetchRetrying = async (target: string, init: RequestInit): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fetch(target, init);
      } catch (err) {
        if (signal.aborted || attempt >= 30) throw err;
        await sleep(Math.min(100 * 2 ** attempt, 2_000), signal);
      }
    }
  };
  const update = async (state: string, extra: Record<string, unknown> = {}) => {
    const res = await fetchRetrying(`${url}/api/v4/jobs/${job.id}`, {
      method: "PUT", headers, signal,
      body: JSON.stringify({ info, token: job.token, state, output: { checksum: traceChecksum(trace), bytesize: trace.length }, ...extra }),
    });
    await res.arrayBuffer();
    checkAbort(res, state === "success" || state === "failed");
    return res;
  };
  const flushTrace = async () => {
    for (let attempt = 0; sent < trace.length && attempt < 10; attempt++) {
      const res = await fetchRetrying(`${url}/api/v4/jobs/${job.id}/trace?debug_trace=false`, {
        method: "PATCH", signal, body: trace.subarray(sent),
        headers: { "Content-Type": "text/plain", "JOB-TOKEN": job.token, "Content-Range": `${sent}-${trace.length - 1}` },
      });
      await res.arrayBuffer();
      checkAbort(res);
      const end = rangeEnd(res.headers.get("range"));
      if (res.status === 416) sent = Math.min(end ?? 0, trace.length);
      else if (res.status === 202) sent = end ?? trace.length;
      else throw new Error(`patch trace: unexpected status ${res.status}`);
    }
  };
  const finishCanceled = async () => {
    for (let attempt = 0; attempt < 30 && !signal.aborted; attempt++) {
      const res = await fetchRetrying(`${url}/api/v4/jobs/${job.id}`, {
        method: "PUT", headers, signal,
        body: JSON.stringify({ info, token: job.token, state: "failed", failure_reason: "script_failure", output: { checksum: traceChecksum(trace), bytesize: trace.length } }),
      });
      await res.arrayBuffer();
      if (res.status !== 202) return;
      const interval = Number(res.headers.get("x-gitlab-trace-update-interval") ?? 3);
      await sleep(Math.min((interval * 1000) / speed, deps.maxRetryWaitMs), signal);
    }
  };
  const log = (line: string) => { trace = Buffer.concat([trace, Buffer.from(`${line}\n`)]); };

  const finalUpdate = async (outcome: "success" | "failed", durationSeconds: number): Promise<JobRunResult> => {
    for (;;) {
      const res = await update(outcome, outcome === "failed" ? { failure_reason: "script_failure", exit_code: 1 } : { exit_code: 0 });
      if (res.status === 200) return { kind: "finished", state: outcome, durationSeconds };
      if (res.status !== 202) throw new Error(`final update: unexpected status ${res.status}`);
      const interval = Number(res.headers.get("x-gitlab-trace-update-interval") ?? 3);
      await sleep(Math.min((interval * 1000) / speed, deps.maxRetryWaitMs), signal);
      if (signal.aborted) return { kind: "aborted", jobStatus: null };
    }
  };

  try {
    await update("running");
    const outcome = jobVariable(job, "SIM_JOB_OUTCOME") === "failed" ? "failed" : "success";
    if (deps.work === "light") return await finalUpdate(outcome, 0);
    const duration = Number(jobVariable(job, "SIM_JOB_DURATION_SECONDS") ?? 1);
    log(`Running with gitlab-runner (simulated) on job ${job.id} ${job.job_info?.name ?? ""}`);
    await flushTrace();
    const steps = 3;
    for (let i = 1; i <= steps && !signal.aborted; i++) {
      await sleep((duration * 1000) / speed / steps, signal);
      log(`step ${i}/${steps} done`);
      await flushTrace();
    }
    if (signal.aborted) return { kind: "aborted", jobStatus: null };
    log(outcome === "success" ? "Job succeeded" : "ERROR: Job failed: exit code 1");
    await flushTrace();
    return await finalUpdate(outcome, duration);
  } catch (err) {
    if (err instanceof JobAborted) {
      deps.log.info({ jobId: job.id, jobStatus: err.jobStatus }, "job aborted by server");
      // Job-Status: canceling (cancel_gracefully): gitlab-runner stops the script and still sends its final
      // update (failed; its internal job_canceled reason is not sent to Rails), which GitLab ends as canceled.
      if (err.jobStatus === "canceling") await finishCanceled().catch(() => undefined);
      return { kind: "aborted", jobStatus: err.jobStatus };
    }
    if (signal.aborted) return { kind: "aborted", jobStatus: null };
    throw err;
  }
}
