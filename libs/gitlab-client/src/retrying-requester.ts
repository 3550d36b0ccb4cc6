import {
  createRequesterFn, type FormattedResponse, type RequesterType, type ResourceOptions,
} from "@gitbeaker/requester-utils";
import type { Logger } from "@switchyard/runtime";
import { backoffDelayMs, parseRetryAfter } from "./backoff.js";
import { GitLabApiError, isRetryableStatus } from "./errors.js";
import type { RetryPolicy } from "./types.js";

/** Told about every retry, for metrics; never sees headers or tokens. */
export type RetryObserver = (info: { method: string; path: string; status: number | null; attempt: number; delayMs: number }) => void;

export interface RetryingRequesterDeps {
  policy: RetryPolicy;
  log: Logger;
  onRetry?: RetryObserver;
  sleep?: (ms: number) => Promise<void>;
}

/** The subset of request options gitbeaker's requester hands to a request handler. */
interface HandlerOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | FormData;
  searchParams?: string;
  prefixUrl?: string;
  signal?: AbortSignal;
  asStream?: boolean;
}

/**
 * A gitbeaker requester whose handler retries 429/5xx and network failures with backoff,
 * honouring Retry-After (gitbeaker's own handler retries 429 in sub-millisecond steps and
 * ignores Retry-After), and bounds every attempt with a timeout.
 */
export function createRetryingRequesterFn(deps: RetryingRequesterDeps): (options: ResourceOptions) => RequesterType {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { policy, log } = deps;

  async function handle(endpoint: string, raw?: Record<string, unknown>): Promise<FormattedResponse> {
    const options = (raw ?? {}) as HandlerOptions;
    const method = options.method ?? "GET";
    const base = options.prefixUrl?.endsWith("/") ? options.prefixUrl : `${options.prefixUrl ?? ""}/`;
    const url = new URL(endpoint, base);
    url.search = options.searchParams ?? "";
    const path = url.pathname;
    for (let attempt = 1; ; attempt++) {
      const timeout = AbortSignal.timeout(policy.requestTimeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let response: Response;
      try {
        response = await fetch(url, { method, headers: options.headers, body: options.body ?? null, signal });
      } catch (err) {
        const reason = timeout.aborted ? `timed out after ${policy.requestTimeoutMs} ms` : describeNetworkError(err);
        if (attempt < policy.maxAttempts && !options.signal?.aborted) {
          const delayMs = backoffDelayMs(policy, attempt, null);
          deps.onRetry?.({ method, path, status: null, attempt, delayMs });
          log.debug({ method, path, attempt, delayMs, reason }, "gitlab request failed; retrying");
          await sleep(delayMs);
          continue;
        }
        throw new GitLabApiError(`${method} ${path}: ${reason}`, null, true, { cause: err });
      }
      if (response.ok) return parseResponse(response, options.asStream === true);
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      if (isRetryableStatus(response.status) && attempt < policy.maxAttempts) {
        await response.body?.cancel().catch(() => undefined);
        const delayMs = backoffDelayMs(policy, attempt, retryAfterMs);
        deps.onRetry?.({ method, path, status: response.status, attempt, delayMs });
        log.debug({ method, path, status: response.status, attempt, delayMs }, "gitlab answered with a retryable status; retrying");
        await sleep(delayMs);
        continue;
      }
      const description = await describeFailure(response);
      throw new GitLabApiError(
        `${method} ${path}: HTTP ${response.status}${description ? ` ${description}` : ""}`,
        response.status, isRetryableStatus(response.status), { retryAfterMs },
      );
    }
  }

  return createRequesterFn((_service, requestOptions) => Promise.resolve(requestOptions), handle);
}

async function parseResponse(response: Response, asStream: boolean): Promise<FormattedResponse> {
  const headers = Object.fromEntries(response.headers.entries());
  const status = response.status;
  if (asStream) return { body: response.body as FormattedResponse["body"], headers, status };
  if (status === 204) return { body: null, headers, status };
  const contentType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  if (contentType === "application/json") {
    const text = await response.text();
    return { body: text ? (JSON.parse(text) as FormattedResponse["body"]) : {}, headers, status };
  }
  return { body: await response.text(), headers, status };
}

/** GitLab's `{"message": ...}` or `{"error": ...}`, or the first bytes of a text body. */
async function describeFailure(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = parsed.message ?? parsed.error;
    if (message !== undefined) return typeof message === "string" ? message : JSON.stringify(message);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200);
}

function describeNetworkError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
