import { WarmReserveV1, type SharedRecordName } from "@switchyard/contracts";
import { createRecordReader, type Logger, type RecordReader, type RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/** The slots of a pool held for urgent classes, as the optimizer last wrote them. */
export interface WarmReserve {
  slots: number;
  minWeight: number;
}

/**
 * Reads the optimizer's warm reserve of a pool (`<p>:warm-reserve:<pool>`, WarmReserveV1). Optional
 * knowledge, like runner health: absent, expired (the optimizer stopped), unreadable (counted, logged
 * once) or unavailable (Redis error) all read as no reserve, so dispatch never waits on it.
 */
export interface WarmReserveReader {
  read(pool: string): Promise<WarmReserve | null>;
  /** The reserve from a record read elsewhere (the dispatcher's round read); null = none or unreadable. */
  parse(pool: string, raw: string | null): WarmReserve | null;
  /** Records that failed WarmReserveV1 so far. */
  unreadable(): number;
}

const RECORD = "warm-reserve" satisfies SharedRecordName;

export function createWarmReserveReader(redis: Redis, keys: RedisKeys, log: Logger, records: RecordReader = createRecordReader(log)): WarmReserveReader {
  let failing = false;
  function parse(pool: string, raw: string | null): WarmReserve | null {
    const record = records.json(RECORD, WarmReserveV1, raw);
    if (!record || record.pool !== pool || record.slots === 0) return null;
    return { slots: record.slots, minWeight: record.minWeight };
  }
  return {
    async read(pool) {
      let raw: string | null;
      try {
        raw = await redis.get(keys.warmReserve(pool));
        failing = false;
      } catch (err) {
        if (!failing) log.warn({ err: (err as Error).message, pool }, "warm reserve unreadable; dispatching without it");
        failing = true;
        return null;
      }
      return parse(pool, raw);
    },
    parse,
    unreadable: () => records.unreadable().get(RECORD) ?? 0,
  };
}
