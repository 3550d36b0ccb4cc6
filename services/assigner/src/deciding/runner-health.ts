import { RunnerStateV1 } from "@switchyard/contracts";
import { createRecordReader, type Logger, type RecordReader } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/**
 * Which runners must get no new job even in plain FIFO (draining, paused, unhealthy), from the
 * monitor's state in Redis, refreshed in the background. Optional knowledge: when the monitor is
 * silent the set simply goes stale and then empty, and dispatch carries on.
 */
export interface RunnerHealth {
  /** Whether a runner may take a job, as far as the monitor last said. */
  placeable(runnerId: string): boolean;
  refresh(): Promise<void>;
  stop(): void;
}

/** `records`: the agent's reader of shared records (a bad runner state is counted, logged once, skipped). */
export function createRunnerHealth(redis: Redis, runnersKey: string, log: Logger, records: RecordReader = createRecordReader(log), refreshMs = 2_000): RunnerHealth {
  let blocked = new Set<string>();
  let failures = 0;
  async function refresh(): Promise<void> {
    const next = new Set<string>();
    for (const raw of Object.values(await redis.hgetall(runnersKey))) {
      const r = records.json("runner.state", RunnerStateV1, raw);
      if (!r) continue;
      if (r.draining || r.paused || !r.healthy) next.add(r.runnerId);
    }
    blocked = next;
  }
  const timer = setInterval(() => {
    refresh().then(() => { failures = 0; }).catch((err: unknown) => {
      if (failures++ === 0) log.warn({ err: (err as Error).message }, "runner health unavailable; FIFO places on any asking runner");
      if (failures > 5) blocked = new Set();
    });
  }, refreshMs);
  timer.unref();
  return { placeable: (runnerId) => !blocked.has(runnerId), refresh, stop: () => clearInterval(timer) };
}
