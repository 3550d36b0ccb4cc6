import { defaultWarmReserveConfig } from "@switchyard/decision";
import type { RunnerShape } from "../fleet/fleet.js";
import { createFifoPolicy } from "../policies/fifo.js";
import { createSwitchyardPolicy } from "../policies/switchyard.js";
import type { FrontierSweep } from "./autoscale-bench.js";
import { shippedSettings } from "./policy-set.js";

/** One cloud machine shape for every autoscaled pool: two jobs at a time, speed 1. */
export const cloudShape: RunnerShape = Object.freeze({ name: "cloud", limit: 2, speed: 1, cpus: 8 });

export const BASELINE_SWEEP = "gitlab-runner autoscaler (FIFO)";
export const IDLE_SWEEP = "switchyard, idle_count";
export const DELAY_SWEEP = "switchyard, scale-out delay";
export const RESERVE_SWEEP = "switchyard, warm reserve";
/** The lines the goal judges against the baseline: Switchyard's dispatch, with either knob. */
export const SWITCHYARD_SWEEPS = [IDLE_SWEEP, DELAY_SWEEP, RESERVE_SWEEP] as const;

/** Classes of this weight and above (protected refs, releases, deploys) scale out at once in the delay sweep. */
export const SWEEP_URGENT_WEIGHT = 40;

const IDLE_COUNTS = [0, 1, 2, 4, 8, 16];
/** Shorter idle_time at idle_count 0: gitlab-runner's other way to spend less (machines go sooner, more boots). */
const SHORT_IDLE_TIMES_S = [60, 180];
/**
 * A few idle slots with a short idle_time: what an operator tuning gitlab-runner by hand for fast deploys
 * at low cost would try first, and the baseline's strongest answer to a warm reserve (one or two warm
 * slots, the rest scaled in after a minute). Without these points the frontier compared the reserve
 * with a baseline that could only keep idle slots for the full 10 minutes.
 */
const FEW_IDLE_SHORT_TIME: readonly { idleCount: number; idleTimeSeconds: number }[] = [
  { idleCount: 1, idleTimeSeconds: 60 }, { idleCount: 2, idleTimeSeconds: 60 }, { idleCount: 1, idleTimeSeconds: 180 },
];
const DELAYS_S = [60, 180, 600, 1800];
/** Warm reserve (the shipped config, production deploys only) with each of these idle_time values: the reserve covers the urgent class, so the rest may scale in fast. */
const RESERVE_IDLE_TIMES_S = [60, 180, 600];

/**
 * The frontier's lines: gitlab-runner's autoscaler (GitLab's FIFO, capacity for every pending job plus
 * `idle_count`) swept over `idle_count`, a shorter `idle_time` at idle_count 0, and one or two idle slots
 * with a short `idle_time`; Switchyard's dispatch with the same planner swept the same way
 * (what ordering alone buys); and Switchyard's dispatch with `urgentWeight` and `scaleOutDelay`, so light
 * classes wait for a free slot before they ask for a machine.
 */
export function standardSweeps(): FrontierSweep[] {
  const fifo = { name: "fifo", create: createFifoPolicy };
  const switchyard = { name: "switchyard", create: () => createSwitchyardPolicy({ name: "switchyard", ...shippedSettings, headroom: null }) };
  const idleSweep = [
    ...SHORT_IDLE_TIMES_S.map((t) => ({ knob: `idle_time ${t / 60}m`, idleCount: 0, urgentWeight: 0, scaleOutDelaySeconds: 0, idleTimeSeconds: t })),
    ...IDLE_COUNTS.map((n) => ({ knob: `idle_count ${n}`, idleCount: n, urgentWeight: 0, scaleOutDelaySeconds: 0 })),
    ...FEW_IDLE_SHORT_TIME.map(({ idleCount, idleTimeSeconds: t }) => ({
      knob: `idle_count ${idleCount}, idle_time ${t / 60}m`, idleCount, urgentWeight: 0, scaleOutDelaySeconds: 0, idleTimeSeconds: t,
    })),
  ];
  return [
    { name: BASELINE_SWEEP, dispatch: fifo, points: idleSweep },
    { name: IDLE_SWEEP, dispatch: switchyard, points: idleSweep },
    {
      name: DELAY_SWEEP, dispatch: switchyard,
      points: DELAYS_S.map((s) => ({ knob: `delay ${s} s`, idleCount: 0, urgentWeight: SWEEP_URGENT_WEIGHT, scaleOutDelaySeconds: s })),
    },
    {
      name: RESERVE_SWEEP, dispatch: switchyard,
      points: RESERVE_IDLE_TIMES_S.map((t) => ({
        knob: `reserve, idle_time ${t / 60}m`, idleCount: 0, urgentWeight: 0, scaleOutDelaySeconds: 0, idleTimeSeconds: t, reserve: defaultWarmReserveConfig,
      })),
    },
  ];
}
