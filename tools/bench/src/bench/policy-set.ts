import {
  defaultDurationLearningConfig, defaultQueueOrderConfig, defaultWeights, type DurationLearningConfig, type QueueOrderConfig,
} from "@switchyard/decision";
import { createClassPriorityPolicy } from "../policies/class-priority.js";
import { createFairPolicy } from "../policies/fair.js";
import { createFifoPolicy } from "../policies/fifo.js";
import { defaultHeadroomConfig } from "../policies/headroom.js";
import { createSwitchyardPolicy } from "../policies/switchyard.js";
import type { DispatchPolicy } from "../sim/types.js";

/** A named way to build a fresh policy for one replay (policies hold queue state). */
export interface PolicyFactory {
  name: string;
  create(): DispatchPolicy;
}

/** What Switchyard runs with in a replay: the shipped defaults unless a tuning run overrides them. */
export interface SwitchyardSettings {
  order: QueueOrderConfig;
  weights: Readonly<Record<string, number>>;
  learning: DurationLearningConfig;
}

/** The shipped defaults, the same objects the agents use. */
export const shippedSettings: SwitchyardSettings = Object.freeze({
  order: defaultQueueOrderConfig, weights: defaultWeights, learning: defaultDurationLearningConfig,
});

/**
 * The policies compared side by side: GitLab FIFO, GitLab fair scheduling, naive class priority,
 * Switchyard, and Switchyard plus the bench's headroom reservation.
 */
export function standardPolicies(s: SwitchyardSettings = shippedSettings): PolicyFactory[] {
  return [
    { name: "fifo", create: createFifoPolicy },
    { name: "fair", create: createFairPolicy },
    { name: "priority", create: createClassPriorityPolicy },
    { name: "switchyard", create: () => createSwitchyardPolicy({ name: "switchyard", ...s, headroom: null }) },
    { name: "switchyard+headroom", create: () => createSwitchyardPolicy({ name: "switchyard+headroom", ...s, headroom: defaultHeadroomConfig }) },
  ];
}
