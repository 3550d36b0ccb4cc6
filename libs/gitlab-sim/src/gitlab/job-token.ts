import type { SimJob } from "./model.js";

/**
 * GitLab 18.x job tokens are JWTs that expire (lib/ci/job_token/jwt.rb `expire_time`):
 * encoded when the job is picked, valid for max(JSONWebToken::Token::DEFAULT_EXPIRE_TIME (60 s),
 * the job's timeout) plus a five-minute LEEWAY for the runner's final update. A job GitLab sends
 * without a timeout (runner_info.timeout null: no timeout_value) gets the 60 s.
 */
export const JOB_TOKEN_DEFAULT_TTL_MS = 60_000;
export const JOB_TOKEN_LEEWAY_MS = 5 * 60_000;

/** When the job's token stops authenticating; null before the job was picked (no token handed out yet). */
export function jobTokenExpiresAt(job: SimJob): number | null {
  if (job.startedAt === null) return null;
  const timeoutMs = job.spec.nullFields.includes("runner_info.timeout") ? 0 : job.spec.timeoutSeconds * 1000;
  return job.startedAt + Math.max(JOB_TOKEN_DEFAULT_TTL_MS, timeoutMs) + JOB_TOKEN_LEEWAY_MS;
}
