import type { Redis } from "ioredis";
import type { RedisKeys } from "@switchyard/runtime";

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
  /** Runners with a free slot (a poll since `since` not yet covered by a reservation), longest-waiting first. */
  pollingRunners(pool: string, since: number): Promise<PollingRunner[]>;
}

/** A poll's member in `<p>:polling:<pool>`; the runner id comes first, as in every `|` record here. */
export const pollMember = (poll: RunnerPoll) => `${poll.runnerId}|${poll.systemId}|${poll.pollId}`;

/** Runner id → held polls, in polling-set order (longest-waiting first). */
export function pollsByRunner(members: readonly string[]): Map<string, number> {
  const polls = new Map<string, number>();
  for (const member of members) {
    const bar = member.indexOf("|");
    const runnerId = bar < 0 ? member : member.slice(0, bar);
    polls.set(runnerId, (polls.get(runnerId) ?? 0) + 1);
  }
  return polls;
}

export function createRunnerPresence(redis: Redis, keys: RedisKeys): RunnerPresence {
  async function pollingRunners(pool: string, since: number): Promise<PollingRunner[]> {
    const polls = pollsByRunner(await redis.zrangebyscore(keys.polling(pool), since, "+inf"));
    if (polls.size === 0) return [];
    const tx = redis.pipeline();
    for (const runnerId of polls.keys()) tx.llen(keys.reserved(runnerId));
    const reserved = (await tx.exec()) ?? [];
    return [...polls].map(([runnerId, n], i) => ({ runnerId, slots: n - Number(reserved[i]?.[1] ?? 0) }))
      .filter((r) => r.slots > 0);
  }

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
    pollingRunners,
    pollingCount: async (pool, since) => (await pollingRunners(pool, since)).reduce((n, r) => n + r.slots, 0),
    async prunePolling(pool, since) {
      await redis.zremrangebyscore(keys.polling(pool), "-inf", `(${since}`);
    },
  };
}
