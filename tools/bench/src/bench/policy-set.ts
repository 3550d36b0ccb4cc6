import { defaultQueueOrderConfig, defaultWeights } from "@switchyard/decision";
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

/**
 * The policies compared side by side: GitLab FIFO, GitLab fair scheduling, naive class priority,
 * Switchyard with its shipped defaults, and Switchyard plus the bench's headroom reservation.
 */
export const standardPolicies: readonly PolicyFactory[] = [
  { name: "fifo", create: createFifoPolicy },
  { name: "fair", create: createFairPolicy },
  { name: "priority", create: createClassPriorityPolicy },
  {
    name: "switchyard",
    create: () => createSwitchyardPolicy({ name: "switchyard", order: defaultQueueOrderConfig, weights: defaultWeights, headroom: null }),
  },
  {
    name: "switchyard+headroom",
    create: () => createSwitchyardPolicy({
      name: "switchyard+headroom", order: defaultQueueOrderConfig, weights: defaultWeights, headroom: defaultHeadroomConfig,
    }),
  },
];
