export * from "./types.js";
export * from "./errors.js";
export { parseRetryAfter, backoffDelayMs } from "./backoff.js";
export type { RetryObserver } from "./retrying-requester.js";
export { createGitLabClient, type GitLabClientOptions } from "./gitlab-client.js";
export { createGitLabHistoryClient, type GitLabHistoryApi, type GitLabJobRecord, type HistoryProject, type PageProgress } from "./job-history.js";
