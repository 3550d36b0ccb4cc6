/** The per-process caps on LLM questions: calls per sliding minute and spend per UTC day. */
export interface CallLimits {
  /** Why a question may not be asked now, or null when it may. */
  refusal(now: number): string | null;
  recordCall(now: number): void;
  recordSpend(now: number, usd: number): void;
  spentToday(now: number): number;
}

export interface CallLimitsConfig {
  maxCallsPerMinute: number;
  maxDailySpendUsd: number;
}

const MINUTE_MS = 60_000;

/** In-memory caps; each assigner replica holds its own. */
export function createCallLimits(config: CallLimitsConfig): CallLimits {
  const calls: number[] = [];
  let day = "";
  let spent = 0;

  function rollDay(now: number): void {
    const today = new Date(now).toISOString().slice(0, 10);
    if (today !== day) { day = today; spent = 0; }
  }
  function prune(now: number): void {
    while (calls.length > 0 && (calls[0] ?? 0) <= now - MINUTE_MS) calls.shift();
  }

  return {
    refusal(now) {
      prune(now);
      if (calls.length >= config.maxCallsPerMinute) {
        return `rate cap: ${calls.length} LLM calls in the last minute (max ${config.maxCallsPerMinute})`;
      }
      rollDay(now);
      if (spent >= config.maxDailySpendUsd) {
        return `spend cap: $${spent.toFixed(4)} spent today (UTC), cap $${config.maxDailySpendUsd.toFixed(2)}`;
      }
      return null;
    },
    recordCall(now) { prune(now); calls.push(now); },
    recordSpend(now, usd) { rollDay(now); spent += usd; },
    spentToday(now) { rollDay(now); return spent; },
  };
}
