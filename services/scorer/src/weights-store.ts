import { WeightsRecordV1, type WeightsUpdate } from "@switchyard/contracts";
import { createRecordReader, type Logger, type RecordReader, type Redis } from "@switchyard/runtime";

/** The weights scoring uses now, with their version. */
export interface CurrentWeights {
  readonly version: number;
  readonly weights: Readonly<Record<string, number>>;
}

/** Holds the current weights; persists applied updates in Redis so every scorer (and a restart) agrees. */
export interface WeightsStore {
  current(): CurrentWeights;
  /** Loads the stored weights, if any, over the configured ones. */
  load(): Promise<void>;
  /** Applies an update unless it is older than the current version; returns whether it applied. */
  apply(update: WeightsUpdate): Promise<boolean>;
}

export interface WeightsStoreDeps {
  redis: Redis;
  /** HASH keys.weights: version, weights (JSON), reason, frozen, at. */
  key: string;
  initial: Readonly<Record<string, number>>;
  log: Logger;
  /** The agent's record reader (counted on /metrics); tests may leave it out. */
  records?: RecordReader;
}

// Writes only when the stored version is not newer: concurrent scorers cannot roll weights back.
const STORE_IF_NEWER = `
local stored = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if stored > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'weights', ARGV[2], 'reason', ARGV[3], 'frozen', ARGV[4], 'at', ARGV[5])
return 1`;

/** Builds the store; updates merge over the current weights (a plugin left out keeps its weight). */
export function createWeightsStore(deps: WeightsStoreDeps): WeightsStore {
  const log = deps.log.child({ component: "weights" });
  const records = deps.records ?? createRecordReader(log);
  let state: CurrentWeights = Object.freeze({ version: 0, weights: Object.freeze({ ...deps.initial }) });

  return {
    current: () => state,
    async load() {
      const stored = await deps.redis.hgetall(deps.key);
      if (stored.version === undefined || stored.weights === undefined) return;
      // Unreadable weights are logged once by the reader; the configured ones stay.
      const record = records.value("weights", WeightsRecordV1, stored);
      if (!record) return;
      state = Object.freeze({ version: record.version, weights: Object.freeze({ ...deps.initial, ...record.weights }) });
    },
    async apply(update) {
      if (update.version < state.version) {
        log.info({ version: update.version, current: state.version }, "ignoring an older weights update");
        return false;
      }
      const merged = Object.freeze({ ...state.weights, ...update.weights });
      state = Object.freeze({ version: update.version, weights: merged });
      await deps.redis.eval(STORE_IF_NEWER, 1, deps.key, String(update.version), JSON.stringify(merged), update.reason, String(update.frozen), String(update.at));
      log.info({ version: update.version, weights: merged, reason: update.reason }, "weights updated");
      return true;
    },
  };
}
