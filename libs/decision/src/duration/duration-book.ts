import { learnDuration, type DurationEstimate, type DurationLearningConfig } from "./learn-duration.js";

/** Learned run times by key (see durationKey), bounded; the optimizer and the replay both keep one. */
export interface DurationBook {
  /** Folds in one finished run. */
  record(key: string, runSeconds: number): void;
  /** The expected run time (s), or null before any run of the key finished. */
  expected(key: string): number | null;
  /** Every estimate, for publishing. */
  snapshot(): Record<string, DurationEstimate>;
  /** Starts from a published snapshot (a restarted optimizer keeps what it learned). */
  load(estimates: Readonly<Record<string, DurationEstimate>>): void;
  readonly size: number;
}

/** Creates an empty book; past `maxNames` the key finished longest ago is forgotten. */
export function createDurationBook(cfg: DurationLearningConfig): DurationBook {
  // A Map iterates in insertion order: re-inserting on every record keeps the oldest first.
  const book = new Map<string, DurationEstimate>();
  function put(key: string, e: DurationEstimate): void {
    book.delete(key);
    book.set(key, e);
    while (book.size > cfg.maxNames) book.delete(book.keys().next().value!);
  }
  return {
    record(key, runSeconds) { put(key, learnDuration(book.get(key), runSeconds, cfg)); },
    expected(key) { return book.get(key)?.expectedSeconds ?? null; },
    snapshot() { return Object.fromEntries(book); },
    load(estimates) { for (const [k, e] of Object.entries(estimates)) put(k, e); },
    get size() { return book.size; },
  };
}
