import { contracts, decode, ContractViolation } from "@switchyard/contracts";
import { durationKey } from "@switchyard/decision";
import type { Logger } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/** The run times the optimizer learned, as the queue order reads them (refreshed from Redis). */
export interface DurationEstimates {
  /** Expected run time (s) of a job of this project and name, or null when none finished yet. */
  expected(projectId: number, jobName: string): number | null;
  /** Reads keys.durations once; a missing or invalid value keeps what was read before. */
  refresh(): Promise<void>;
  start(): void;
  stop(): void;
}

export interface DurationEstimatesDeps {
  redis: Redis;
  /** keys.durations: written by the optimizer only. */
  key: string;
  refreshMs: number;
  log: Logger;
}

/** A dispatch never waits on this: until the first read succeeds, every job counts as unknown. */
export function createDurationEstimates(deps: DurationEstimatesDeps): DurationEstimates {
  const log = deps.log.child({ component: "duration-estimates" });
  let estimates: Readonly<Record<string, { expectedSeconds: number }>> = {};
  let version = -1;
  let timer: NodeJS.Timeout | null = null;
  let warned = false;
  async function refresh(): Promise<void> {
    const raw = await deps.redis.get(deps.key);
    if (raw === null) return;
    try {
      const next = decode(contracts.durationEstimates, raw);
      if (next.version !== version) { estimates = next.estimates; version = next.version; }
      warned = false;
    } catch (err) {
      if (!(err instanceof ContractViolation)) throw err;
      if (!warned) log.warn({ reason: err.reason }, "stored duration estimates are invalid; keeping the previous ones");
      warned = true;
    }
  }
  return {
    expected: (projectId, jobName) => estimates[durationKey(projectId, jobName)]?.expectedSeconds ?? null,
    refresh,
    start() {
      timer = setInterval(() => {
        refresh().catch((err: unknown) => log.warn({ err: (err as Error).message }, "reading duration estimates failed"));
      }, deps.refreshMs);
      timer.unref();
    },
    stop() { if (timer) clearInterval(timer); timer = null; },
  };
}
