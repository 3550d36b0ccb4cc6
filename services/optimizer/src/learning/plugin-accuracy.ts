import { saysAboutRunner } from "@switchyard/decision";
import type { JoinedRecord } from "./joined-record.js";

/** How well one plugin's score of the runner that ran a job predicted the outcome's quality. */
export interface PluginAccuracy {
  plugin: string;
  samples: number;
  /** Spearman rank correlation of (plugin score, goodness) in -1..1; null with < 2 samples or no variance. */
  correlation: number | null;
}

/**
 * Per plugin, the Spearman rank correlation between its score for the runner that ran the job and the
 * outcome's goodness (0 failed, higher = faster than the class median). Positive: the plugin's opinion
 * predicted good outcomes, so it deserves more weight; negative: less. Outcomes that say nothing about the
 * runner (canceled, or failed by the job itself: libs/decision judgeOutcome, the scorer's reading too) are skipped.
 */
export function pluginAccuracy(records: readonly JoinedRecord[]): PluginAccuracy[] {
  const pairs = new Map<string, [number[], number[]]>();
  for (const r of records) {
    if (!saysAboutRunner(r.verdict)) continue;
    for (const [plugin, score] of Object.entries(r.pluginScores)) {
      const p = pairs.get(plugin) ?? [[], []];
      p[0].push(score);
      p[1].push(r.goodness);
      pairs.set(plugin, p);
    }
  }
  return [...pairs.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([plugin, [x, y]]) => ({ plugin, samples: x.length, correlation: spearman(x, y) }));
}

/** Spearman's rho with average ranks for ties; null when undefined. */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length || x.length < 2) return null;
  return pearson(ranks(x), ranks(y));
}

function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j += 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k += 1) out[order[k]![1]] = rank;
    i = j + 1;
  }
  return out;
}

function pearson(a: readonly number[], b: readonly number[]): number | null {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i += 1) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  if (va === 0 || vb === 0) return null;
  return cov / Math.sqrt(va * vb);
}
