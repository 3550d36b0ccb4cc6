/**
 * The runner protocol's headers, by their lower-case names (Node and undici give them so). Sources:
 * gitlab-runner common/consts.go and network/gitlab.go; GitLab lib/api/ci/runner.rb and
 * lib/api/ci/helpers/runner.rb; Workhorse workhorse/internal/builds/register.go.
 */
export const HEADER = {
  /** The runner's token on every runner call (gitlab-runner also sends it as `token` in the body). */
  runnerToken: "runner-token",
  /** The job's token on every call about a job (GitLab also reads `token` from the params, helpers/runner.rb job_token). */
  jobToken: "job-token",
  /** The job's status, sent with a 403 for a job no longer running (helpers/runner.rb job_forbidden!) and on trace PATCHes. */
  jobStatus: "job-status",
  /** The runner's queue version: on every jobs/request answer, echoed back as `last_update` (ensure_runner_queue_value). */
  lastUpdate: "x-gitlab-last-update",
  /** How long to stay away after a 429 or 503 (RFC 9110 §10.2.3). */
  retryAfter: "retry-after",
  /** A trace chunk's place, `<start>-<end>` inclusive, without the `bytes ` prefix (network/trace.go). */
  contentRange: "content-range",
  /** On a trace PATCH's 416 or 202: `0-<size>`, the log GitLab has (PATCH /jobs/:id/trace). */
  range: "range",
} as const;

/** Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host"]);

/** The first value of a header, by its lower-case name; null when absent. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === "") return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The log size a trace answer's `Range: 0-<size>` gives; null without one. */
export function traceRangeSize(range: string | null): number | null {
  const m = /^0-(\d+)$/.exec(range ?? "");
  return m ? Number(m[1]) : null;
}
