import { contracts, decode, ContractViolation, QueuedJobLoadV1, type Decision, type ShadowFifoReport } from "@switchyard/contracts";
import { createRecordReader, type RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";

const BAR_WIDTH = 24;
const records = createRecordReader();
const seconds = (s: number) => `${s < 10 ? s.toFixed(1) : Math.round(s)} s`.padStart(7);
const bar = (value: number, max: number) => "█".repeat(max > 0 ? Math.round((value / max) * BAR_WIDTH) : 0) || "▏";

/**
 * The terminal's view of the optimizer's shadow FIFO report: one line per class, the p50 and p95
 * queue time under Switchyard beside FIFO's on the same arrivals, with p95 bars on one scale.
 */
export function formatWaitSummary(report: ShadowFifoReport | null, now: number): string[] {
  if (!report || report.classes.length === 0) {
    const settle = report ? `${report.settleSeconds} s` : "a while";
    return [`— waits: none replayed yet (the shadow FIFO replays a job ${settle} after it became pending)`];
  }
  const max = Math.max(...report.classes.flatMap((c) => [c.live.p95, c.fifo.p95]));
  const width = Math.max(...report.classes.map((c) => c.jobClass.length));
  const age = Math.max(0, Math.round((now - report.at) / 1000));
  return [
    `— queue time per class, last ${Math.round(report.windowSeconds / 60)} min (as of ${age} s ago): Switchyard vs what FIFO would have given the same jobs`,
    ...report.classes.map((c) => `   ${c.jobClass.padEnd(width)} ${String(c.jobs).padStart(4)} jobs  p50 ${seconds(c.live.p50)} vs ${seconds(c.fifo.p50)}  p95 ${seconds(c.live.p95)} vs ${seconds(c.fifo.p95)}  `
      + `switchyard ${bar(c.live.p95, max).padEnd(BAR_WIDTH)} fifo ${bar(c.fifo.p95, max)}`),
  ];
}

/** The stored report, or null when there is none yet or it is unreadable. */
export async function readShadowReport(redis: Redis, keys: RedisKeys): Promise<ShadowFifoReport | null> {
  const raw = await redis.get(keys.shadowFifo);
  if (raw === null) return null;
  try {
    return decode(contracts.shadowFifoReport, raw);
  } catch (err) {
    if (err instanceof ContractViolation) return null;
    throw err;
  }
}

/** Jobs of the decision's pool still waiting for a decision that became pending before the placed job. */
export async function olderJobsWaiting(redis: Redis, keys: RedisKeys, decision: Pick<Decision, "pool" | "queuedAt">): Promise<number> {
  const ids = await redis.zrange(keys.queue(decision.pool), 0, -1);
  if (ids.length === 0) return 0;
  const metas = await redis.hmget(keys.jobMeta, ...ids);
  return metas.filter((raw) => {
    const arrivedAt = records.json("job.meta", QueuedJobLoadV1, raw)?.arrivedAt;
    return typeof arrivedAt === "number" && arrivedAt < decision.queuedAt;
  }).length;
}
