import { RunnerStateV1, type RunnerState } from "@switchyard/contracts";
import { createRecordReader, type RecordReader, type RedisKeys } from "@switchyard/runtime";
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
  /** The agent's reader of shared records (a bad state is counted and logged once); tests may leave it out. */
  records?: RecordReader;
}

export function createRunnerStateStore(deps: RunnerStateStoreDeps): RunnerStateStore {
  const { redis, keys } = deps;
  // An unreadable entry is left out and simply rewritten by the next poll.
  const records = deps.records ?? createRecordReader();
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
        const state = records.json("runner.state", RunnerStateV1, json);
        if (state) states.set(runnerId, state);
      }
      return states;
    },
  };
}
