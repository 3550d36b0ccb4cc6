import { crc32 } from "node:zlib";
import { GITLAB_RUNNER_18_FEATURES, GITLAB_RUNNER_18_VERSION } from "@switchyard/contracts";

/** Version string the simulated runners report. */
export const SIM_RUNNER_VERSION = `${GITLAB_RUNNER_18_VERSION}-sim`;

/** `info` of jobs/request and job updates, as gitlab-runner 18.x (docker executor, bash) sends it. */
export function runnerInfo(name: string, extraFeatures: Record<string, boolean> = {}): Record<string, unknown> {
  return {
    name, version: SIM_RUNNER_VERSION, revision: "5im0000", platform: "linux", architecture: "amd64",
    executor: "docker", shell: "bash", features: { ...GITLAB_RUNNER_18_FEATURES, ...extraFeatures }, config: { gpus: "" },
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
