import type { Candidate, JobQueued, PluginContribution } from "@switchyard/contracts";
import { filterPlugins, scorePlugins } from "./registry.js";
import type { FilterPlugin, RunnerView, ScorePlugin } from "./types.js";

/** A runner a filter turned away, and why. */
export interface Rejection {
  runnerId: string;
  filter: string;
  reason: string;
}

/** Ranked candidates (best first) and every rejected runner with the first filter that said no. */
export interface ScoreResult {
  candidates: Candidate[];
  rejected: Rejection[];
}

export interface ScoreJobOptions {
  /** Filters to run; defaults to every registered filter. */
  filters?: readonly FilterPlugin[];
  /** Score plugins to consider; defaults to every registered plugin. Those with weight 0 or none are skipped. */
  scorers?: readonly ScorePlugin[];
  weights: Readonly<Record<string, number>>;
}

/** The score a plugin without an opinion counts with: missing data neither helps nor hurts. */
export const NEUTRAL_SCORE = 50;

const ALL_FILTERS: readonly FilterPlugin[] = Object.values(filterPlugins);
const ALL_SCORERS: readonly ScorePlugin[] = Object.values(scorePlugins);

/**
 * Filters, scores and ranks runners for one job. A candidate's total is the weighted mean of its
 * plugin scores (0..100), a plugin without an opinion counting as NEUTRAL_SCORE; contributions list
 * only the plugins that had one. Ties go to the lower runnerId, so results are deterministic.
 */
export function scoreJob(job: JobQueued, runners: readonly RunnerView[], opts: ScoreJobOptions): ScoreResult {
  const filters = opts.filters ?? ALL_FILTERS;
  const active: { plugin: ScorePlugin; weight: number }[] = [];
  let weightSum = 0;
  for (const plugin of opts.scorers ?? ALL_SCORERS) {
    const weight = opts.weights[plugin.name];
    if (weight === undefined || !(weight > 0) || !Number.isFinite(weight)) continue;
    active.push({ plugin, weight });
    weightSum += weight;
  }
  const candidates: Candidate[] = [];
  const rejected: Rejection[] = [];
  runners: for (const runner of runners) {
    for (const f of filters) {
      const result = f.filter(job, runner);
      if (!result.ok) {
        rejected.push({ runnerId: runner.runnerId, filter: f.name, reason: result.reason });
        continue runners;
      }
    }
    const contributions: PluginContribution[] = [];
    let sum = 0;
    for (const { plugin, weight } of active) {
      const raw = plugin.score(job, runner);
      if (raw === undefined || !Number.isFinite(raw)) {
        sum += NEUTRAL_SCORE * weight;
        continue;
      }
      const score = raw < 0 ? 0 : raw > 100 ? 100 : raw;
      contributions.push({ plugin: plugin.name, score, weight });
      sum += score * weight;
    }
    candidates.push({ runnerId: runner.runnerId, total: weightSum > 0 ? sum / weightSum : 0, contributions });
  }
  candidates.sort(byTotalThenId);
  return { candidates, rejected };
}

function byTotalThenId(a: Candidate, b: Candidate): number {
  if (a.total !== b.total) return b.total - a.total;
  return a.runnerId < b.runnerId ? -1 : a.runnerId > b.runnerId ? 1 : 0;
}
