import { ErrorCode, SwitchyardError } from "@switchyard/runtime";

/** A GitLab REST call that failed, with the HTTP status (null for network failures and timeouts). */
export class GitLabApiError extends SwitchyardError {
  constructor(
    message: string,
    readonly status: number | null,
    retryable: boolean,
    options?: { cause?: unknown; retryAfterMs?: number | null },
  ) {
    super(codeFor(status), message, retryable, options);
    this.name = "GitLabApiError";
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }

  /** What GitLab asked us to wait before the next call, if it said. */
  readonly retryAfterMs: number | null;

  /** Prefixes the error with what was being done ("list runners: ..."), keeping status and retryability. */
  static wrap(doing: string, cause: unknown): GitLabApiError {
    if (cause instanceof GitLabApiError) {
      return new GitLabApiError(`${doing}: ${cause.message}`, cause.status, cause.retryable, { cause, retryAfterMs: cause.retryAfterMs });
    }
    const message = cause instanceof Error ? cause.message : String(cause);
    return new GitLabApiError(`${doing}: ${message}`, null, true, { cause });
  }
}

/** True for answers worth retrying: rate limiting and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

function codeFor(status: number | null): ErrorCode {
  if (status === null) return ErrorCode.unavailable;
  if (status === 429 || status >= 500) return ErrorCode.unavailable;
  if (status >= 400) return ErrorCode.badRequest;
  return ErrorCode.upstream;
}
