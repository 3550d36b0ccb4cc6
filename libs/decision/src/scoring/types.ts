import type { JobQueued, RunnerState } from "@switchyard/contracts";

/** A runner as the scoring plugins see it: monitor state plus recent history and the live free-slot signal. */
export interface RunnerView extends RunnerState {
  /** Share of recent jobs that did not fail through the runner's fault, 0..1; null without history. */
  successRate: number | null;
  /** This runner's recent median run time (s) per job name (at least the job being scored, when known). */
  medianDurationByJobName?: Readonly<Record<string, number>>;
  /** The fleet's recent median run time (s) per job name. */
  fleetMedianByJobName?: Readonly<Record<string, number>>;
  /** Pipelines this runner ran recently (warm caches, same checkout). */
  recentPipelines?: readonly number[];
  /** Projects this runner ran recently. */
  recentProjects?: readonly number[];
  /** Jobs the runner can take right now (from the broker's open long polls). */
  freeSlots: number;
}

/** Why a filter let a runner through or not; a rejection is an expected outcome, not an error. */
export type FilterResult = { ok: true } | { ok: false; reason: string };

/** Decides whether a runner can take a job at all. */
export interface FilterPlugin {
  readonly name: string;
  filter(job: JobQueued, runner: RunnerView): FilterResult;
}

/** Scores one eligible runner for one job, 0..100; `undefined` = no opinion. */
export interface ScorePlugin {
  readonly name: string;
  score(job: JobQueued, runner: RunnerView): number | undefined;
}

/** The shared "let it through" result, allocated once. */
export const PASS: FilterResult = Object.freeze({ ok: true });
