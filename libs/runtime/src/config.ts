import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { unknownKeyProblems } from "./config-keys.js";

// host:port (host a name, IPv4 or [IPv6]) and more of them after commas.
const SENTINEL_LIST = /^\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}\s*(,\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}\s*)*$/;

/** Settings every agent shares. Agent schemas extend this one. */
export const baseConfigSchema = z.object({
  natsUrl: z.string().min(1).default("nats://127.0.0.1:4222").describe("NATS server URL(s), comma-separated"),
  natsNkeySeed: z.string().trim().regex(/^SU[A-Z2-7]{56}$/, "an nkey user seed (SU..., 58 characters)").optional()
    .describe("seed of this agent's NATS nkey user (the server config holds its public key); give it as a file: SWITCHYARD_NATS_NKEY_SEED_FILE"),
  redisUrl: z.string().min(1).default("redis://127.0.0.1:6379").describe("Redis URL; with redisSentinels only its user, password and database are used"),
  redisSentinels: z.string().regex(SENTINEL_LIST, "host:port[,host:port...]").optional()
    .describe("Redis Sentinels (host:port, comma-separated): the primary is asked of them, and followed on failover"),
  redisSentinelName: z.string().min(1).default("mymaster").describe("the primary's name in the Sentinels' configuration (sentinel monitor <name> ...)"),
  redisSentinelPassword: z.string().min(1).optional().describe("password of the Sentinels themselves (requirepass in sentinel.conf)"),
  subjectPrefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default("switchyard").describe("prefix of every NATS subject"),
  keyPrefix: z.string().regex(/^[A-Za-z0-9_:-]+$/).default("switchyard").describe("prefix of every Redis key"),
  httpHost: z.string().default("127.0.0.1").describe("address of the metrics/health HTTP server"),
  httpPort: z.coerce.number().int().min(0).max(65535).default(0).describe("port of the metrics/health HTTP server; 0 picks a free one"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  instanceId: z.string().min(1).max(128).optional().describe("unique name of this process; defaults to host-pid"),
  heartbeatIntervalMs: z.coerce.number().int().positive().default(1000),
});
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** A config value that fails its schema, reported with every other problem at once. */
export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** Env name of a config key: `natsUrl` → `SWITCHYARD_NATS_URL` (NATS_URL, REDIS_URL and REDIS_SENTINEL* are accepted too). */
export function envNameOf(key: string): string {
  return `SWITCHYARD_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

// Conventional names operators already use for these.
const SHORT_ALIASES: Record<string, string> = {
  natsUrl: "NATS_URL", redisUrl: "REDIS_URL", anthropicApiKey: "ANTHROPIC_API_KEY",
  redisSentinels: "REDIS_SENTINELS", redisSentinelName: "REDIS_SENTINEL_NAME", redisSentinelPassword: "REDIS_SENTINEL_PASSWORD",
};

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of a YAML or JSON file; defaults to `SWITCHYARD_CONFIG` from env. */
  file?: string;
}

/**
 * Builds an agent's config from a file (optional) overlaid by environment variables,
 * validates it once, and returns it deeply frozen. Object-valued keys take JSON in env.
 * Keys the schema does not know are errors (with the nearest known key suggested): a typo must
 * not leave a default silently in force.
 * `<ENV>_FILE` names a file holding the value instead (secrets mounted as files).
 */
export function loadConfig<S extends z.ZodObject>(schema: S, options: LoadConfigOptions = {}): Readonly<z.infer<S>> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SWITCHYARD_CONFIG;
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};
  if (file) {
    try {
      const parsed: unknown = parseYaml(readFileSync(file, "utf8"));
      if (parsed && typeof parsed === "object") raw = { ...(parsed as Record<string, unknown>) };
      else if (parsed != null) problems.push(`${file}: must hold a mapping at the top level`);
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
    }
  }
  for (const key of Object.keys(schema.shape)) {
    const name = envNameOf(key);
    const alias = SHORT_ALIASES[key];
    let value = env[name] ?? (alias ? env[alias] : undefined);
    const fileVar = [`${name}_FILE`, ...(alias ? [`${alias}_FILE`] : [])].find((n) => env[n]);
    if (fileVar && value !== undefined && value !== "") {
      problems.push(`${fileVar}: set together with the variable itself; use one`);
      continue;
    }
    if (fileVar) value = readSecretFile(env[fileVar] as string, fileVar, problems);
    if (value === undefined || value === "") continue;
    raw[key] = looksStructured(value) ? tryJson(value, name, problems) : value;
  }
  problems.push(...unknownKeyProblems(schema, raw));
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.join(".");
      const top = String(issue.path[0] ?? "");
      problems.push(`${path || "(root)"} (env ${envNameOf(top)}): ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(result.data as z.infer<S>);
}

/** `<ENV>_FILE` (Docker and Kubernetes secrets mounted as files): the file's text without its final newline. */
function readSecretFile(path: string, name: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    problems.push(`${name}: ${(err as Error).message}`);
    return undefined;
  }
}

function looksStructured(value: string): boolean {
  const first = value.trimStart()[0];
  return first === "{" || first === "[";
}

function tryJson(value: string, name: string, problems: string[]): unknown {
  try {
    return JSON.parse(value);
  } catch (err) {
    problems.push(`${name}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
}

/** Freezes an object graph so config cannot drift after start-up. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** For a composition root: loads config, or prints every problem and exits with code 2. */
export function loadConfigOrExit<S extends z.ZodObject>(schema: S, processName: string, options: LoadConfigOptions = {}): Readonly<z.infer<S>> {
  try {
    return loadConfig(schema, options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${processName}: ${err.message}\n`);
    process.exit(2);
  }
}
