import { runScript } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import type { RedisKeys } from "@switchyard/runtime";
import { HIGH_CLASS_WINDOW_MS, highClassCounts, highClassEntry, projectLoadOf } from "./fairness-ledger.js";
import { parseMeta, type HeldJobMeta } from "./held-jobs.js";
import { keyPrefixes } from "./key-prefixes.js";
import { READ_ROUND, RESERVE } from "./lua.js";
import type { PollingRunner } from "./runner-presence.js";

/** Everything a dispatch round decides from, read in one step. */
export interface RoundView {
  /** Runners with a free slot, longest-waiting first. */
  polling: PollingRunner[];
  /** The first queued jobs in queue-key order. */
  head: HeldJobMeta[];
  /** Jobs of the head that deploy while an earlier deploy to their project and environment is still held. */
  laterDeploys: ReadonlySet<number>;
  projectLoad: Map<number, number>;
  /** Top-class jobs each project had dispatched in the budget's window. */
  highClassUsage: Map<number, number>;
  /** The pool's warm reserve record as the optimizer wrote it, or null. */
  warmReserve: string | null;
}

/** The decision written with a placement: the meta with its decision, and whether it spends top-class budget. */
export interface PlacedDecision {
  meta: HeldJobMeta;
  highClass: boolean;
  now: number;
}

/** The dispatcher's two Redis steps: read a round, then one atomic step per placement. */
export interface DispatchRound {
  readRound(pool: string, opts: { since: number; headSize: number; now: number }): Promise<RoundView>;
  /**
   * Atomically moves a queued job to a runner's reservations, with its decision (meta, top-class record)
   * when given; false, and nothing written, when another replica took it.
   */
  reserve(pool: string, jobId: number, runnerId: string, deadlineMs: number, decided?: PlacedDecision): Promise<boolean>;
}

type RoundReply = [string[], string[], number[], string[], string[], string];

export function createDispatchRound(redis: Redis, keys: RedisKeys): DispatchRound {
  const prefixes = keyPrefixes(keys);
  return {
    async readRound(pool, { since, headSize, now }) {
      const [runners, metas, oldest, load, high, warm] = (await runScript(redis, READ_ROUND, 6, keys.polling(pool), keys.queue(pool),
        keys.jobMeta, keys.projectLoad(pool), keys.highClassDispatches(pool), keys.warmReserve(pool), String(since),
        String(headSize), String(now - HIGH_CLASS_WINDOW_MS), prefixes.reserved, prefixes.deployOrder)) as RoundReply;
      const polling: PollingRunner[] = [];
      for (let i = 0; i < runners.length; i += 2) polling.push({ runnerId: runners[i]!, slots: Number(runners[i + 1]) });
      const head = metas.map((raw) => parseMeta(raw)!);
      const loadPairs: [string, string][] = [];
      for (let i = 0; i < load.length; i += 2) loadPairs.push([load[i]!, load[i + 1]!]);
      return {
        polling, head, laterDeploys: new Set(head.filter((_, i) => oldest[i] === 0).map((m) => m.jobId)),
        projectLoad: projectLoadOf(loadPairs), highClassUsage: highClassCounts(high), warmReserve: warm === "" ? null : warm,
      };
    },
    async reserve(pool, jobId, runnerId, deadlineMs, decided) {
      const high = decided?.highClass ? highClassEntry(decided.meta.projectId, jobId, decided.meta.weight, decided.now) : null;
      const ok = await runScript(redis, RESERVE, 6, keys.queue(pool), keys.reserved(runnerId), keys.reservationDeadlines,
        keys.runnerVersions, keys.jobMeta, keys.highClassDispatches(pool), String(jobId), runnerId, String(deadlineMs),
        decided ? JSON.stringify(decided.meta) : "", high?.member ?? "", String(decided?.now ?? 0), String(high?.keepFrom ?? 0));
      return ok === 1;
    },
  };
}
