/** Stable error codes across Switchyard. Expected outcomes are values, not these. */
export const ErrorCode = {
  unavailable: "UNAVAILABLE",
  timeout: "TIMEOUT",
  upstream: "UPSTREAM_FAILED",
  badRequest: "BAD_REQUEST",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A failure of a dependency (NATS, Redis, GitLab, LLM), with whether retrying can help. */
export class SwitchyardError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SwitchyardError";
  }
}

/** Wraps an error with what was being done: `list runners: <cause>`. */
export function wrapError(doing: string, cause: unknown, code: ErrorCode = ErrorCode.upstream, retryable = true): SwitchyardError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new SwitchyardError(code, `${doing}: ${message}`, retryable, { cause });
}
