import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisKeys } from "./redis-keys.js";

/** A downstream gitlab-runner known to Switchyard by the token Switchyard issued it. */
export interface RegisteredRunner {
  id: string;
  pool: string;
}

/** Where a runner's registration lives: the assigner's config file, or Redis (the CLI's add-runner). */
export type RunnerSource = "config" | "cli";

/** Finds the runner behind a token. Tokens are compared by hash and never stored in clear. */
export interface RunnerRegistry {
  lookup(token: string): Promise<RegisteredRunner | null>;
  /** Adds a runner (the CLI's add-runner); the token is stored only as its hash. */
  add(token: string, runner: RegisteredRunner): Promise<void>;
  /** Every runner, from config and from Redis; config wins for an id in both. */
  all(): Promise<(RegisteredRunner & { source: RunnerSource })[]>;
  /** Forgets a runner added through Redis and every token it had. False when no such runner is stored. */
  remove(id: string): Promise<boolean>;
  /** Replaces a stored runner's token: the old one stops working. False when no such runner is stored. */
  rotate(id: string, newToken: string): Promise<boolean>;
}

export interface RunnerRegistryOptions {
  /**
   * How long a token found in Redis is trusted without asking again. The broker looks a token up
   * on every poll; the cache spares Redis, and its lifetime bounds how long a removed or rotated
   * token keeps working on an assigner that has already seen it.
   */
  cacheTtlMs?: number;
  now?: () => number;
}

/**
 * A new downstream runner token. It starts with `glrt-`, GitLab's prefix for runner authentication tokens,
 * because gitlab-runner decides by that prefix alone (network.TokenIsCreatedRunnerToken) whether
 * `gitlab-runner register --token` verifies an existing runner or registers a new one with a legacy token.
 */
export function newRunnerToken(): string {
  return `glrt-${randomBytes(24).toString("base64url")}`;
}

/**
 * The numeric id GitLab would give the runner (`id` in POST /runners/verify): gitlab-runner refuses 0 and
 * stores it in config.toml, so it is derived from the runner's Switchyard id, the same on every replica.
 */
export function runnerNumericId(runnerId: string): number {
  return (createHash("sha256").update(runnerId).digest().readUInt32BE(0) & 0x7fffffff) || 1;
}

/** sha256 of a token: the only form in which a token is kept or compared. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

// Deletes every token hash that points at runner ARGV[1]; then, for a rotation, stores the new hash.
// One script, so a runner never has zero or two working tokens halfway through.
const REPLACE_TOKENS = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
local entries = redis.call('HGETALL', KEYS[2])
local removed = 0
for i = 1, #entries, 2 do
  local ok, rec = pcall(cjson.decode, entries[i + 1])
  if ok and type(rec) == 'table' and rec.id == ARGV[1] then
    redis.call('HDEL', KEYS[2], entries[i])
    removed = removed + 1
  end
end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
end
return removed
`;

export const DEFAULT_TOKEN_CACHE_TTL_MS = 5_000;

export function createRunnerRegistry(
  redis: Redis, keys: RedisKeys, configured: readonly (RegisteredRunner & { token: string })[], options: RunnerRegistryOptions = {},
): RunnerRegistry {
  const ttlMs = options.cacheTtlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  const fromConfig = new Map(configured.map((r) => [tokenHash(r.token), { id: r.id, pool: r.pool }]));
  const cache = new Map<string, { runner: RegisteredRunner; until: number }>();

  async function replaceTokens(id: string, newHash: string, record: string): Promise<boolean> {
    const result = await redis.eval(REPLACE_TOKENS, 2, keys.runnerRegistry, keys.runnerTokens, id, newHash, record);
    cache.clear();
    return result !== -1;
  }

  return {
    async lookup(token) {
      if (!token) return null;
      const hash = tokenHash(token);
      const configuredRunner = fromConfig.get(hash);
      if (configuredRunner) return configuredRunner;
      const cached = cache.get(hash);
      if (cached && cached.until > now()) return cached.runner;
      const raw = await redis.hget(keys.runnerTokens, hash);
      const runner = raw ? (JSON.parse(raw) as RegisteredRunner) : null;
      // Unknown tokens are not cached, so a runner added by the CLI works at once.
      if (runner) cache.set(hash, { runner, until: now() + ttlMs });
      else cache.delete(hash);
      return runner;
    },
    async add(token, runner) {
      await redis.multi()
        .hset(keys.runnerTokens, tokenHash(token), JSON.stringify(runner))
        .hset(keys.runnerRegistry, runner.id, JSON.stringify(runner))
        .exec();
    },
    async all() {
      const stored = Object.values(await redis.hgetall(keys.runnerRegistry)).map((r) => JSON.parse(r) as RegisteredRunner);
      const byId = new Map<string, RegisteredRunner & { source: RunnerSource }>();
      for (const r of stored) byId.set(r.id, { id: r.id, pool: r.pool, source: "cli" });
      for (const r of fromConfig.values()) byId.set(r.id, { ...r, source: "config" });
      return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
    },
    remove: (id) => replaceTokens(id, "", ""),
    async rotate(id, newToken) {
      const raw = await redis.hget(keys.runnerRegistry, id);
      if (!raw) return false;
      const { pool } = JSON.parse(raw) as RegisteredRunner;
      return replaceTokens(id, tokenHash(newToken), JSON.stringify({ id, pool }));
    },
  };
}
