/**
 * A URL fit for a console or log line: every `user:password@` taken out, in each entry of a
 * comma-separated list too. NATS and Redis URLs carry their passwords this way.
 */
export function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^@/,]*@/g, "//");
}
