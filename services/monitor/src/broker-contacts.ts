import { RunnerContactV1, type RunnerContact } from "@switchyard/contracts";
import type { Redis } from "ioredis";

/**
 * The broker's own sightings of its downstream runners (RunnerContactV1, written by the assigner): a runner
 * behind Switchyard never contacts GitLab, so these, not GitLab's `contacted_at`, prove it alive.
 */
export interface BrokerContacts {
  /** Every runner's latest contact, by runner id; entries that fail the contract are left out. */
  read(): Promise<Map<string, RunnerContact>>;
}

export function createBrokerContacts(redis: Redis, key: string): BrokerContacts {
  return {
    async read() {
      const out = new Map<string, RunnerContact>();
      for (const [runnerId, raw] of Object.entries(await redis.hgetall(key))) {
        let json: unknown;
        try { json = JSON.parse(raw); } catch { continue; }
        const parsed = RunnerContactV1.safeParse(json);
        if (parsed.success && parsed.data.runnerId === runnerId) out.set(runnerId, parsed.data);
      }
      return out;
    },
  };
}

/** When the broker last heard from the runner in any way (poll or job call); null when never. */
export function lastContactAt(contact: RunnerContact): number | null {
  const times = [contact.lastPollAt, contact.lastJobCallAt].filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.max(...times);
}
