import type { Logger } from "@switchyard/runtime";

/** Logs a failing dependency once per streak of failures, and once when it recovers. */
export interface FailureStreaks {
  /** Records a failure; logs only the first of a streak. Returns the streak length. */
  fail(key: string, message: string, fields?: Record<string, unknown>): number;
  /** Records a success; logs the recovery when a streak ends. */
  ok(key: string, fields?: Record<string, unknown>): void;
  /** Whether `key` is currently failing. */
  failing(key: string): boolean;
}

export function createFailureStreaks(log: Logger): FailureStreaks {
  const streaks = new Map<string, { count: number; since: number }>();
  return {
    fail(key, message, fields = {}) {
      const streak = streaks.get(key);
      if (streak) return ++streak.count;
      streaks.set(key, { count: 1, since: Date.now() });
      log.warn({ ...fields, source: key, err: message }, `${key} failing`);
      return 1;
    },
    ok(key, fields = {}) {
      const streak = streaks.get(key);
      if (!streak) return;
      streaks.delete(key);
      log.info({ ...fields, source: key, failures: streak.count, downMs: Date.now() - streak.since }, `${key} recovered`);
    },
    failing: (key) => streaks.has(key),
  };
}
