import { RunnerStateV1, type RunnerState } from "@switchyard/contracts";
import type { RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/** Fleet state in Redis: HASH `keys.runners` (runnerId → JSON) plus a TTL'd alive key per runner. */
export interface RunnerStateStore {
  /** Writes a state; `alive` also refreshes the runner's alive key for `ttlMs`. */
  save(state: RunnerState, alive: boolean): Promise<void>;
  /** Removes a runner from fleet state (it stopped answering for too long). */
  remove(runnerId: string): Promise<void>;
  /** Every stored state that still passes its contract. */
  loadAll(): Promise<Map<string, RunnerState>>;
}

export interface RunnerStateStoreDeps {
  redis: Redis;
  keys: RedisKeys;
  ttlMs: number;
}

export function createRunnerStateStore(deps: RunnerStateStoreDeps): RunnerStateStore {
  const { redis, keys } = deps;
  return {
    async save(state, alive) {
      const json = JSON.stringify(state);
      const tx = redis.multi().hset(keys.runners, state.runnerId, json);
      if (alive) tx.set(keys.runnerAlive(state.runnerId), json, "PX", deps.ttlMs);
      await tx.exec();
    },
    async remove(runnerId) {
      await redis.multi().hdel(keys.runners, runnerId).del(keys.runnerAlive(runnerId)).exec();
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
