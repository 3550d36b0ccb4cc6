import { freeSlot } from "./filters/free-slot.js";
import { healthy } from "./filters/healthy.js";
import { notDraining } from "./filters/not-draining.js";
import { notPaused } from "./filters/not-paused.js";
import { poolMatch } from "./filters/pool-match.js";
import { protectedRef } from "./filters/protected-ref.js";
import { diskHeadroom } from "./scorers/disk-headroom.js";
import { freeCapacity } from "./scorers/free-capacity.js";
import { pipelineAffinity } from "./scorers/pipeline-affinity.js";
import { sizeFit } from "./scorers/size-fit.js";
import { speed } from "./scorers/speed.js";
import { successRate } from "./scorers/success-rate.js";
import type { FilterPlugin, ScorePlugin } from "./types.js";

/** Every filter, by name, in the order they run (cheapest, most selective first). */
export const filterPlugins = { poolMatch, protectedRef, freeSlot, notDraining, healthy, notPaused } satisfies Record<string, FilterPlugin>;

/** Every score plugin, by name; a plugin runs when its weight is above zero. */
export const scorePlugins = { freeCapacity, successRate, speed, pipelineAffinity, diskHeadroom, sizeFit } satisfies Record<string, ScorePlugin>;

export type FilterPluginName = keyof typeof filterPlugins;
export type ScorePluginName = keyof typeof scorePlugins;

/**
 * Starting weights: speed leads (a long job on a 1.25× machine instead of a 0.8× one frees its slot
 * and its pipeline sooner: chosen on the first half of the bundled trace), capacity and reliability
 * next; affinity and disk headroom break near-ties; size fit is a gentle nudge. The optimizer tunes them
 * within its bounds (speed's default is at their top, 2).
 */
export const defaultWeights: Readonly<Record<ScorePluginName, number>> = Object.freeze({
  freeCapacity: 1.0,
  successRate: 1.0,
  speed: 2.0,
  pipelineAffinity: 0.5,
  diskHeadroom: 0.5,
  sizeFit: 0.3,
});
