/** A wake-up flag: waiters resolve on the next notify or after their timeout, whichever is first. */
export interface Signal {
  notify(): void;
  wait(timeoutMs: number): Promise<void>;
}

export function createSignal(): Signal {
  let waiters: (() => void)[] = [];
  return {
    notify() {
      const current = waiters;
      waiters = [];
      for (const w of current) w();
    },
    wait(timeoutMs) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() { clearTimeout(timer); waiters = waiters.filter((w) => w !== done); resolve(); }
        waiters.push(done);
      });
    },
  };
}
