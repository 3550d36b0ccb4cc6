import { decodeHighClassDispatch, WarmReserveV1, type WarmReserveRecord } from "@switchyard/contracts";
import { warmReserveSlots, type WarmReserveConfig } from "@switchyard/decision";
import type { RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/**
 * When urgent jobs (weight ≥ cfg.minWeight) started in the pool within the window: the assigner's
 * top-class dispatches (`<p>:high-class:<pool>`, HighClassDispatchV1), which carry each job's weight.
 * An older assigner's member without a weight is not counted (no reserve is the safe side).
 */
export async function readUrgentStarts(redis: Redis, keys: RedisKeys, pool: string, now: number, cfg: WarmReserveConfig): Promise<number[]> {
  const flat = await redis.zrangebyscore(keys.highClassDispatches(pool), now - cfg.windowMs, now, "WITHSCORES");
  const starts: number[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const d = decodeHighClassDispatch(flat[i]!);
    if (d?.weight != null && d.weight >= cfg.minWeight) starts.push(Number(flat[i + 1]));
  }
  return starts;
}

/**
 * Sizes the pool's warm reserve with libs/decision's warmReserveSlots and publishes it for the
 * assigner's dispatcher (`<p>:warm-reserve:<pool>`, WarmReserveV1) with a TTL of a few passes, so the
 * reserve of an optimizer that died lapses and dispatch falls back to none. A reserve of 0 (or off)
 * deletes the record at once rather than waiting for the TTL. Returns the slots.
 */
export async function keepWarmReserve(
  redis: Redis, keys: RedisKeys, pool: string, cfg: WarmReserveConfig | null, now: number, ttlMs: number,
): Promise<number> {
  const slots = cfg ? warmReserveSlots(await readUrgentStarts(redis, keys, pool, now, cfg), now, cfg) : 0;
  if (slots === 0 || !cfg) {
    await redis.del(keys.warmReserve(pool));
    return 0;
  }
  const record: WarmReserveRecord = WarmReserveV1.parse({ v: 1, pool, slots, minWeight: cfg.minWeight, at: now });
  await redis.set(keys.warmReserve(pool), JSON.stringify(record), "PX", ttlMs);
  return slots;
}
