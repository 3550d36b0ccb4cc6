import { Token } from "@switchyard/contracts";
import { z } from "zod";
import { Counter, Gauge, Histogram } from "prom-client";

/** Label name → the values it is known to take; a series per combination is created up front. */
export type LabelValues<L extends string> = { readonly [K in L]: readonly string[] };

/** Every combination of the given label values (`{ pool: [a, b], mode: [x] }` → two label sets). */
export function labelGrid<L extends string>(values: LabelValues<L>): Record<L, string>[] {
  let grid: Record<string, string>[] = [{}];
  for (const [name, options] of Object.entries<readonly string[]>(values)) {
    grid = grid.flatMap((partial) => options.map((value) => ({ ...partial, [name]: value })));
  }
  return grid as Record<L, string>[];
}

/**
 * Creates each series of the grid at 0, so it exists from the first scrape: `increase()` then sees
 * the first event and a dashboard panel shows 0 instead of "no data". Counters and gauges keep any
 * value they already have; a histogram's series is reset, so call this before the first observation.
 */
export function initialiseSeries<L extends string>(metric: Counter<L> | Gauge<L> | Histogram<L>, values: LabelValues<L>): void {
  for (const labels of labelGrid(values)) {
    if (metric instanceof Histogram) metric.zero(labels as never);
    else metric.inc(labels as never, 0);
  }
}

/**
 * The `pools` setting of agents that export per-pool series without configuring pools themselves
 * (scorer, optimizer): the assigner's pool names, so those series exist from the first scrape.
 */
export const metricPoolsSchema = z.array(Token).default([])
  .describe("names of the fleet's pools (the assigner's pools): their per-pool series are exported at 0 from the first scrape");
