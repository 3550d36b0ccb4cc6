/** What is known about one job name's run time: a moving geometric mean of finished runs. */
export interface DurationEstimate {
  /** Expected run time (s). */
  expectedSeconds: number;
  /** Finished runs seen so far (capped, only for the warm-up). */
  samples: number;
}

/** How durations are learned. */
export interface DurationLearningConfig {
  /** Weight of the newest run once warmed up (0..1]: 0.2 ≈ the last ten runs matter. */
  alpha: number;
  /** Most job names remembered; the least recently finished are forgotten first. */
  maxNames: number;
}

/** A fifth per run: CI job durations drift with the code, so old runs fade within a day or two of pushes. */
export const defaultDurationLearningConfig: DurationLearningConfig = Object.freeze({ alpha: 0.2, maxNames: 5_000 });

const SAMPLE_CAP = 1_000;

/**
 * Folds one finished run into the estimate, in log space (a 30 s aborted run and a 3,000 s hung one
 * move a 900 s estimate by the same factor). The first runs are averaged plainly (weight 1/n) so a
 * name is not stuck with its first sample. Runs under a second count as one second.
 */
export function learnDuration(prev: DurationEstimate | undefined, observedSeconds: number, cfg: Pick<DurationLearningConfig, "alpha">): DurationEstimate {
  const seconds = Math.max(1, Number.isFinite(observedSeconds) ? observedSeconds : 1);
  if (!prev) return { expectedSeconds: seconds, samples: 1 };
  const obs = Math.log(seconds);
  const weight = Math.max(cfg.alpha, 1 / (prev.samples + 1));
  const next = (1 - weight) * Math.log(Math.max(1, prev.expectedSeconds)) + weight * obs;
  return { expectedSeconds: Math.exp(next), samples: Math.min(SAMPLE_CAP, prev.samples + 1) };
}

/** The key a job's run time is learned under: the same name in another project is another job. */
export function durationKey(projectId: number, jobName: string): string {
  return `${projectId}:${jobName}`;
}

/** How far predictions were from the runs that followed them. */
export interface PredictionError {
  /** Jobs that had a prediction when they were queued. */
  predicted: number;
  /** Jobs queued before any run of their name had finished. */
  unknown: number;
  /** Median of |predicted − actual| / actual. */
  medianAbsRelError: number | null;
  /** Mean of |predicted − actual| in seconds. */
  meanAbsErrorS: number | null;
}

/** Summarises (predicted, actual) pairs; a null prediction counts as unknown. Actual runs under 1 s count as 1 s. */
export function predictionError(pairs: readonly { predictedS: number | null; actualS: number }[]): PredictionError {
  const rel: number[] = [];
  let abs = 0;
  let unknown = 0;
  for (const p of pairs) {
    if (p.predictedS === null) { unknown++; continue; }
    const err = Math.abs(p.predictedS - p.actualS);
    abs += err;
    rel.push(err / Math.max(1, p.actualS));
  }
  rel.sort((a, b) => a - b);
  const mid = rel.length >> 1;
  const median = rel.length === 0 ? null : rel.length % 2 ? rel[mid]! : (rel[mid - 1]! + rel[mid]!) / 2;
  return { predicted: rel.length, unknown, medianAbsRelError: median, meanAbsErrorS: rel.length ? abs / rel.length : null };
}
