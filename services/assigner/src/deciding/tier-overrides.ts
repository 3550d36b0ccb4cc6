import { TrustTierSchema, type TrustTier } from "@switchyard/contracts";
import type { Logger } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/** Trust tiers per job class: config, overlaid by what an operator applied (Redis), refreshed in the background. */
export interface TierOverrides {
  current(): Readonly<Record<string, TrustTier>>;
  refresh(): Promise<void>;
  stop(): void;
}

export function createTierOverrides(redis: Redis, key: string, configured: Readonly<Record<string, TrustTier>>, log: Logger, refreshMs = 2_000): TierOverrides {
  let merged: Readonly<Record<string, TrustTier>> = { ...configured };
  async function refresh(): Promise<void> {
    const applied = await redis.hgetall(key);
    const next: Record<string, TrustTier> = { ...configured };
    for (const [jobClass, tier] of Object.entries(applied)) {
      const parsed = TrustTierSchema.safeParse(tier);
      if (parsed.success) next[jobClass] = parsed.data;
      else log.warn({ jobClass, tier }, "ignoring an unknown trust tier in Redis");
    }
    merged = Object.freeze(next);
  }
  // Dispatch must not wait on this: a failed refresh keeps the last known tiers.
  const timer = setInterval(() => { refresh().catch(() => undefined); }, refreshMs);
  timer.unref();
  return { current: () => merged, refresh, stop: () => clearInterval(timer) };
}
