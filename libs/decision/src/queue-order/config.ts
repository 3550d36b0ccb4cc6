/** How held jobs are ordered: class weight as head start, per-project fairness, a budget for high classes. */
export interface QueueOrderConfig {
  /** Aging: one weight point is this many seconds of head start. */
  secondsPerWeightPoint: number;
  /** Delay added per job the project already runs (fairness between projects). */
  fairnessPenaltySecondsPerRunningJob: number;
  /** Cap on the fairness delay, so the wait bound stays finite. */
  fairnessPenaltyMaxSeconds: number;
  /**
   * Jobs of weight ≥ `minWeight` from a project that dispatched `perProjectPerHour` of them in
   * the last hour are treated at `demotedWeight` (stops "everything is a production deploy").
   */
  highClassBudget: { minWeight: number; perProjectPerHour: number; demotedWeight: number };
  /** How many entries at the head of the static order the picker looks at. */
  lookaheadK: number;
}

/**
 * Defaults for the default class rules (weights 10..100): 60 s per point gives a production
 * deploy (100) 80 min of head start over default-class work (20); fairness adds 20 s per running job of
 * the same project, at most 10 min; a project gets 20 deploy-class jobs an hour before its
 * further ones rank as protected-branch work (40).
 */
export const defaultQueueOrderConfig: QueueOrderConfig = Object.freeze({
  secondsPerWeightPoint: 60,
  fairnessPenaltySecondsPerRunningJob: 20,
  fairnessPenaltyMaxSeconds: 600,
  highClassBudget: Object.freeze({ minWeight: 60, perProjectPerHour: 20, demotedWeight: 40 }),
  lookaheadK: 32,
});
