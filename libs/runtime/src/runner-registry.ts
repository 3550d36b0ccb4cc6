import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisKeys } from "./redis-keys.js";

/** A downstream gitlab-runner known to Switchyard by the token Switchyard issued it. */
export interface RegisteredRunner {
  id: string;
  pool: string;
}

/** Finds the runner behind a token. Tokens are compared by hash and never stored in clear. */
export interface RunnerRegistry {
  lookup(token: string): Promise<RegisteredRunner | null>;
  /** Adds a runner (the CLI's add-runner); the token is stored only as its hash. */
  add(token: string, runner: RegisteredRunner): Promise<void>;
  all(): Promise<RegisteredRunner[]>;
}

/** sha256 of a token: the only form in which a token is kept or compared. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function createRunnerRegistry(redis: Redis, keys: RedisKeys, configured: readonly (RegisteredRunner & { token: string })[]): RunnerRegistry {
  const fromConfig = new Map(configured.map((r) => [tokenHash(r.token), { id: r.id, pool: r.pool }]));
  const cache = new Map<string, RegisteredRunner | null>();
  return {
    async lookup(token) {
      if (!token) return null;
      const hash = tokenHash(token);
      const known = fromConfig.get(hash) ?? cache.get(hash);
      if (known !== undefined) return known;
      const raw = await redis.hget(keys.runnerTokens, hash);
      const runner = raw ? (JSON.parse(raw) as RegisteredRunner) : null;
      // Unknown tokens are not cached, so a runner added by the CLI works at once.
      if (runner) cache.set(hash, runner);
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
      const byId = new Map<string, RegisteredRunner>();
      for (const r of [...fromConfig.values(), ...stored]) byId.set(r.id, r);
      return [...byId.values()];
    },
  };
}
