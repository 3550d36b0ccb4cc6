/** Recent run durations per (runner, job class) and per class, in bounded rings. */
export interface RunHistory {
  add(runnerId: string, jobClass: string, runSeconds: number): void;
  /** Median of the runner's recent runs of this class; null without samples. */
  runnerMedian(runnerId: string, jobClass: string): number | null;
  /** Median of the class's recent runs on any runner; null without samples. */
  classMedian(jobClass: string): number | null;
}

/** Builds the history; `perKey` samples are kept per runner+class and per class, `maxKeys` keys at most. */
export function createRunHistory(options: { perKey?: number; maxKeys?: number } = {}): RunHistory {
  const perKey = options.perKey ?? 50;
  const maxKeys = options.maxKeys ?? 5000;
  const rings = new Map<string, number[]>();

  function push(key: string, value: number): void {
    let ring = rings.get(key);
    if (!ring) {
      if (rings.size >= maxKeys) rings.delete(rings.keys().next().value as string);
      ring = [];
    } else {
      rings.delete(key); // re-insert: the map's order is least recently used first
    }
    ring.push(value);
    if (ring.length > perKey) ring.shift();
    rings.set(key, ring);
  }

  return {
    add(runnerId, jobClass, runSeconds) {
      push(`r|${runnerId}|${jobClass}`, runSeconds);
      push(`c|${jobClass}`, runSeconds);
    },
    runnerMedian: (runnerId, jobClass) => median(rings.get(`r|${runnerId}|${jobClass}`) ?? []),
    classMedian: (jobClass) => median(rings.get(`c|${jobClass}`) ?? []),
  };
}

/** The median of a list; null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
