import type { RetryPolicy } from "./types.js";

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds from `now`;
 * null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (value == null || value.trim() === "") return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** Delay before attempt `attempt + 1` (attempt counts from 1): Retry-After when given, else jittered exponential. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | null, random = Math.random): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, policy.maxDelayMs);
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  // Full jitter over the upper half keeps replicas from retrying in lockstep.
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.min(Math.round(jittered), policy.maxDelayMs);
}
