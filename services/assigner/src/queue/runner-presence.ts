import { runScript, type RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import { keyPrefixes } from "./key-prefixes.js";
import { FREE_SLOTS } from "./lua.js";

/**
 * One held `jobs/request` of a downstream runner: one free slot. gitlab-runner holds up to
 * `request_concurrency` of them per token at once, and several managers (`system_id`s) may share a token.
 */
export interface RunnerPoll {
  pool: string;
  runnerId: string;
  systemId: string;
  /** Unique per poll across replicas (broker instance + sequence). */
  pollId: string;
}

/** A runner asking for work and how many jobs it can take now (its held polls less its reservations). */
export interface PollingRunner {
  runnerId: string;
  slots: number;
}

/** Which downstream runners are asking for work, shared by every broker replica through Redis. */
export interface RunnerPresence {
  /** The runner's long-poll version, echoed to it as X-GitLab-Last-Update. */
  runnerVersion(runnerId: string): Promise<string>;
  /** Records that a runner's poll is asking for work now (one free slot). */
  markPolling(poll: RunnerPoll, now: number): Promise<void>;
  unmarkPolling(poll: RunnerPoll): Promise<void>;
  /** Free downstream slots of the pool: polls asking since `since`, less the jobs reserved for their runners. */
  pollingCount(pool: string, since: number): Promise<number>;
  /** Drops polls that stopped asking without saying so (their broker died). */
  prunePolling(pool: string, since: number): Promise<void>;
}

/** A poll's member in `<p>:polling:<pool>`; the runner id comes first, as in every `|` record here. */
export const pollMember = (poll: RunnerPoll) => `${poll.runnerId}|${poll.systemId}|${poll.pollId}`;

export function createRunnerPresence(redis: Redis, keys: RedisKeys): RunnerPresence {
  const reservedPrefix = keyPrefixes(keys).reserved;
  return {
    async runnerVersion(runnerId) {
      return `v${(await redis.hget(keys.runnerVersions, runnerId)) ?? "0"}`;
    },
    async markPolling(poll, now) {
      // Scored by when the poll began asking, so FIFO serves the longest-waiting runner first.
      await redis.zadd(keys.polling(poll.pool), "NX", now, pollMember(poll));
    },
    async unmarkPolling(poll) {
      await redis.zrem(keys.polling(poll.pool), pollMember(poll));
    },
    // One command: the upstream poller asks before every jobs/request (lua.ts FREE_SLOTS).
    pollingCount: async (pool, since) => Number(await runScript(redis, FREE_SLOTS, 1, keys.polling(pool), String(since), reservedPrefix)),
    async prunePolling(pool, since) {
      await redis.zremrangebyscore(keys.polling(pool), "-inf", `(${since}`);
    },
  };
}
