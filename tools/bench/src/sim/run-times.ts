import type { SimRunner } from "./types.js";

const KEEP = 20;
const FLEET_KEEP = 50;

/** Recent run times per job name, per runner and fleet-wide, as the scorer's history would hold them. */
export interface RunTimes {
  record(runner: SimRunner, name: string, seconds: number): void;
  fleetMedian(name: string): number | undefined;
}

/** Creates the run-time history with cached fleet medians. */
export function createRunTimes(): RunTimes {
  const fleet = new Map<string, number[]>();
  const cache = new Map<string, number>();
  return {
    record(runner, name, seconds) {
      push(runner.runTimes, name, seconds, KEEP);
      push(fleet, name, seconds, FLEET_KEEP);
      cache.delete(name);
    },
    fleetMedian(name) {
      const hit = cache.get(name);
      if (hit !== undefined) return hit;
      const list = fleet.get(name);
      if (!list?.length) return undefined;
      const m = median(list);
      cache.set(name, m);
      return m;
    },
  };
}

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function push(map: Map<string, number[]>, key: string, value: number, keep: number): void {
  const list = map.get(key);
  if (!list) { map.set(key, [value]); return; }
  list.push(value);
  if (list.length > keep) list.shift();
}
