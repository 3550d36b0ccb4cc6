import type { JobAnswer } from "./job-status.js";

/**
 * A runner's job update (PUT /jobs/:id, gitlab-runner common/network.go UpdateJobRequest: token, state,
 * failure_reason, output, exit_code) and GitLab's answer to it (200 accepted, 202 retry later, 403 job no
 * longer running, ...), as the broker saw them pass.
 */
export interface ObservedJobUpdate extends JobAnswer {
  jobId: number;
  /** `running`, `success`, `failed`, ... as the runner sent it. */
  state: string | null;
  failureReason: string | null;
}

/** The state and failure reason a job update's body carries; both null when it is not JSON (GitLab answers 400 itself). */
export function readJobUpdateBody(body: Buffer): Pick<ObservedJobUpdate, "state" | "failureReason"> {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { state?: unknown; failure_reason?: unknown };
    return {
      state: typeof parsed.state === "string" ? parsed.state : null,
      failureReason: typeof parsed.failure_reason === "string" ? parsed.failure_reason : null,
    };
  } catch {
    return { state: null, failureReason: null };
  }
}
