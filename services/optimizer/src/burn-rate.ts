/** Sliding windows of good/bad events per job class, for error-budget burn rates. */
export interface BurnRateTracker {
  record(jobClass: string, atMs: number, bad: boolean): void;
  /** Fraction of bad events in the window divided by the error budget (1 - objective); 0 with no events. */
  burnRate(jobClass: string, windowMs: number, objective: number, nowMs: number): number;
  classes(): string[];
}

/** Builds a tracker that forgets events older than the longest window it is asked to keep. */
export function createBurnRateTracker(deps: { retainMs: number }): BurnRateTracker {
  const events = new Map<string, { at: number; bad: boolean }[]>();

  function prune(list: { at: number }[], nowMs: number): void {
    const cutoff = nowMs - deps.retainMs;
    let drop = 0;
    while (drop < list.length && list[drop]!.at < cutoff) drop++;
    if (drop > 0) list.splice(0, drop);
  }

  return {
    record(jobClass, atMs, bad) {
      let list = events.get(jobClass);
      if (!list) events.set(jobClass, (list = []));
      // Outcomes can arrive out of order (redelivery); keep the list sorted by time.
      let i = list.length;
      while (i > 0 && list[i - 1]!.at > atMs) i--;
      list.splice(i, 0, { at: atMs, bad });
      prune(list, Math.max(atMs, list[list.length - 1]!.at));
    },
    burnRate(jobClass, windowMs, objective, nowMs) {
      const list = events.get(jobClass);
      if (!list) return 0;
      prune(list, nowMs);
      let total = 0;
      let bad = 0;
      for (let i = list.length - 1; i >= 0 && list[i]!.at >= nowMs - windowMs; i--) {
        total++;
        if (list[i]!.bad) bad++;
      }
      return total === 0 ? 0 : bad / total / (1 - objective);
    },
    classes: () => [...events.keys()],
  };
}
