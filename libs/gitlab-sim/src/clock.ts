/** Simulated time: `now()` runs `speed` times faster than the wall clock it is built on. */
export interface SimClock {
  /** Current simulated time, epoch milliseconds. */
  now(): number;
  /** How many simulated milliseconds pass per real millisecond. */
  readonly speed: number;
}

export interface SimClockOptions {
  speed?: number;
  /** Underlying wall clock, injectable for tests. */
  wallNow?: () => number;
}

/** A clock that starts at the wall-clock time and then runs `speed` times faster. */
export function createSimClock(options: SimClockOptions = {}): SimClock {
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`clock speed must be > 0, got ${speed}`);
  const wallNow = options.wallNow ?? Date.now;
  const start = wallNow();
  return { speed, now: () => start + (wallNow() - start) * speed };
}

/** A clock tests move by hand; `advance` adds simulated milliseconds. */
export interface ManualClock extends SimClock {
  advance(ms: number): void;
}

/** A manual clock starting at `start` (epoch ms). */
export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let current = start;
  return { speed: 1, now: () => current, advance: (ms) => { current += ms; } };
}
