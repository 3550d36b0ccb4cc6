import { RunnerStateV1, type RunnerState } from "@switchyard/contracts";
import type { RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/** Fleet state in Redis: HASH `keys.runners` (runnerId → JSON); staleness is the monitor's staleAfterMs, not a key TTL. */
export interface RunnerStateStore {
  /** Writes a state. */
  save(state: RunnerState): Promise<void>;
  /** Removes a runner from fleet state (it stopped answering for too long). */
  remove(runnerId: string): Promise<void>;
  /** Every stored state that still passes its contract. */
  loadAll(): Promise<Map<string, RunnerState>>;
}

export interface RunnerStateStoreDeps {
  redis: Redis;
  keys: RedisKeys;
}

export function createRunnerStateStore(deps: RunnerStateStoreDeps): RunnerStateStore {
  const { redis, keys } = deps;
  return {
    async save(state) {
      await redis.hset(keys.runners, state.runnerId, JSON.stringify(state));
    },
    async remove(runnerId) {
      await redis.hdel(keys.runners, runnerId);
    },
    async loadAll() {
      const states = new Map<string, RunnerState>();
      for (const [runnerId, json] of Object.entries(await redis.hgetall(keys.runners))) {
        try {
          const parsed = RunnerStateV1.safeParse(JSON.parse(json));
          if (parsed.success) states.set(runnerId, parsed.data);
        } catch {
          // an unreadable entry is simply rewritten by the next poll
        }
      }
      return states;
    },
  };
}
