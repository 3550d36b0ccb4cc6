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
  /**
   * How many entries at the head of the static order the picker looks at: the assigner's top-level
   * `headSize` (one knob; not part of the `queueOrder` settings, see config-schema.ts).
   */
  headSize: number;
  /**
   * Shortest-expected-first within a class band: a job's virtual arrival moves later by
   * `perRunSecond` × its expected run time (s), capped at `maxSeconds` (the aging cap: a job is
   * overtaken only by jobs arriving less than `maxSeconds` after it). `unknownSeconds` is the
   * shift of a job whose name has no finished run yet. Only classes of weight ≤ `maxWeight` shift:
   * the top classes keep arrival order, so their long jobs never trail their short ones.
   * `perRunSecond` 0 turns it off.
   */
  durationShift: { perRunSecond: number; maxSeconds: number; unknownSeconds: number; maxWeight: number };
}

/**
 * Defaults for the default class rules (weights 10..100): 600 s per point gives each class 100 min
 * of head start over the class 10 points below (a class-priority queue with aging measured in hours);
 * fairness adds 20 s per running job of the same project, at most 10 min; a project gets 20
 * deploy-class jobs an hour before its further ones rank as protected-branch work (40).
 * Classes up to merge requests (30) go shortest-expected-first: 1 s of shift per expected run
 * second, at most 20 min; a name never seen finishing counts as 10 min.
 * Tuned on the first half of the bundled trace only (tools/bench README, `--tune`).
 */
export const defaultQueueOrderConfig: QueueOrderConfig = Object.freeze({
  secondsPerWeightPoint: 600,
  fairnessPenaltySecondsPerRunningJob: 20,
  fairnessPenaltyMaxSeconds: 600,
  highClassBudget: Object.freeze({ minWeight: 60, perProjectPerHour: 20, demotedWeight: 40 }),
  headSize: 32,
  durationShift: Object.freeze({ perRunSecond: 1, maxSeconds: 1200, unknownSeconds: 600, maxWeight: 30 }),
});
