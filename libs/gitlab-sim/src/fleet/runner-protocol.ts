import { crc32 } from "node:zlib";

/** Version string the simulated runners report. */
export const SIM_RUNNER_VERSION = "17.11.0-sim";

/** `info` of jobs/request and job updates, as gitlab-runner sends it (network + shell/docker executor features). */
export function runnerInfo(name: string, extraFeatures: Record<string, boolean> = {}): Record<string, unknown> {
  const features: Record<string, boolean> = {
    variables: true, image: true, services: true, artifacts: true, cache: true, fallback_cache_keys: true, shared: true,
    upload_multiple_artifacts: true, upload_raw_artifacts: true, session: false, terminal: false, refspecs: true,
    masking: true, proxy: false, raw_variables: true, artifacts_exclude: true, multi_build_steps: true,
    trace_reset: true, trace_checksum: true, trace_size: true, vault_secrets: true, cancelable: true,
    return_exit_code: true, service_variables: true, service_multiple_aliases: true, image_executor_opts: true,
    service_executor_opts: true, cancel_gracefully: true, native_steps_integration: false, two_phase_job_commit: true,
    job_inputs: true, ...extraFeatures,
  };
  return {
    name, version: SIM_RUNNER_VERSION, revision: "5im0000", platform: "linux", architecture: "amd64",
    executor: "docker", shell: "bash", features, config: { gpus: "" },
  };
}

/** The trace checksum gitlab-runner sends: `crc32:%08x`. */
export function traceChecksum(trace: Buffer): string {
  return `crc32:${crc32(trace).toString(16).padStart(8, "0")}`;
}

/** The end offset of a `Range: 0-<n>` header, or undefined. */
export function rangeEnd(value: string | null): number | undefined {
  const m = /^\d+-(\d+)$/.exec(value ?? "");
  return m ? Number(m[1]) : undefined;
}

/** Reads one variable's value from a job payload's `variables[]`. */
export function jobVariable(job: { variables?: { key: string; value: string }[] }, key: string): string | undefined {
  return job.variables?.find((v) => v.key === key)?.value;
}

/** Thrown inside a job run when GitLab says the job is over (403 or Job-Status canceled/failed). */
export class JobAborted extends Error {
  readonly code = "JOB_ABORTED";
  readonly retryable = false;
  constructor(readonly jobId: number, readonly jobStatus: string | null) {
    super(`job ${jobId} aborted by server (status ${jobStatus ?? "unknown"})`);
    this.name = "JobAborted";
  }
}

/** Sleeps `ms`, resolving early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => { clearTimeout(timer); signal?.removeEventListener("abort", done); resolve(); };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
