import { pino, type Logger, type LoggerOptions, type DestinationStream } from "pino";

export type { Logger } from "pino";

/**
 * Paths pino censors. Tokens live in job payloads (`token`, `git_info.repo_url`),
 * HTTP headers and config; none of them may reach a log line.
 */
export const REDACT_PATHS = [
  "token", "*.token", "*.*.token", "jobToken", "*.jobToken", "runnerToken", "*.runnerToken",
  "apiKey", "*.apiKey", "password", "*.password", "authorization", "*.authorization",
  "headers.authorization", "headers[\"runner-token\"]", "headers[\"job-token\"]", "headers[\"private-token\"]",
  "req.headers.authorization", "req.headers[\"runner-token\"]", "req.headers[\"job-token\"]", "req.headers[\"private-token\"]",
  "repo_url", "*.repo_url", "variables", "*.variables", "natsNkeySeed", "*.natsNkeySeed",
];

/** Token-shaped substrings scrubbed from any logged string, as a second line of defence. */
const SECRET_PATTERNS: RegExp[] = [
  /\bgl[a-z]{2,6}-[A-Za-z0-9_-]{8,}/g, // GitLab tokens: glrt-, glcbt-, glpat-, ...
  /\bsk-ant-[A-Za-z0-9_-]{8,}/g, // Anthropic keys
  /\bsy[rt]_[A-Za-z0-9_-]{8,}/g, // tokens Switchyard issues to downstream runners
  /(https?:\/\/)[^\s:@/]+:[^\s@/]+@/g, // credentials in URLs
  /\bSU[A-Z2-7]{56}\b/g, // NATS nkey user seeds
];

/** Replaces every token-shaped substring with a marker. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, scheme?: string) => (typeof scheme === "string" && match.startsWith(scheme) ? `${scheme}[REDACTED]@` : "[REDACTED]"));
  }
  return out;
}

export interface LoggerSettings {
  name: string;
  level: string;
  destination?: DestinationStream;
}

/** A pino logger with secret redaction; pass child loggers down, never a global. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level,
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === "string" ? scrubSecrets(a) : a)) as Parameters<typeof method>);
      },
    },
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
