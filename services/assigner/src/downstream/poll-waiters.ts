/**
 * Long polls held open by this broker process, per runner. A reservation for the
 * runner wakes them (locally, or from another replica over NATS).
 */
export interface PollWaiters {
  /** Holds until woken or the timeout passes; resolves true when woken. */
  hold(runnerId: string, timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  wake(runnerId: string): void;
  /** Runners with at least one poll held here. */
  waitingRunners(): string[];
  count(): number;
  /** Releases every held poll (shutdown). */
  releaseAll(): void;
}

export function createPollWaiters(): PollWaiters {
  const waiting = new Map<string, Set<(woken: boolean) => void>>();
  const remove = (runnerId: string, w: (woken: boolean) => void) => {
    const set = waiting.get(runnerId);
    set?.delete(w);
    if (set && set.size === 0) waiting.delete(runnerId);
  };
  return {
    hold(runnerId, timeoutMs, signal) {
      return new Promise<boolean>((resolve) => {
        const done = (woken: boolean) => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          remove(runnerId, done);
          resolve(woken);
        };
        const onAbort = () => done(false);
        const timer = setTimeout(() => done(false), timeoutMs);
        signal.addEventListener("abort", onAbort, { once: true });
        let set = waiting.get(runnerId);
        if (!set) waiting.set(runnerId, (set = new Set()));
        set.add(done);
      });
    },
    wake(runnerId) {
      // Wake one poll: one reservation is one job, and each poll is one free slot.
      const first = waiting.get(runnerId)?.values().next();
      if (first && !first.done) first.value(true);
    },
    waitingRunners: () => [...waiting.keys()],
    count: () => [...waiting.values()].reduce((n, s) => n + s.size, 0),
    releaseAll() {
      for (const set of [...waiting.values()]) for (const w of [...set]) w(false);
    },
  };
}
