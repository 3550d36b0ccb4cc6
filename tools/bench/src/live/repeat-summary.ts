import type { RunnerWork } from "@switchyard/gitlab-sim";
import type { LiveResults } from "./live-results.js";
import type { MemorySample } from "./memory-sampler.js";

/** A figure over repeated runs: the median is reported, min and max show the spread. */
export interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
  runs: number;
}

/** Median, min and max of the runs that have the figure (nulls are runs without it). */
export function spread(values: readonly (number | null | undefined)[]): Spread {
  const xs = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return { median: null, min: null, max: null, runs: 0 };
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { median: Math.round(median * 100) / 100, min: xs[0]!, max: xs[xs.length - 1]!, runs: xs.length };
}

/** Per rate, the figures the README quotes, over every run that reached that rate. */
export interface RateSpread {
  rate: number;
  decisionsPerSec: Spread;
  queuedToDecidedP50: Spread;
  queuedToDecidedP99: Spread;
  ruleP99: Spread;
  handoffP50: Spread;
  handoffP99: Spread;
  /** CPU % of one core: the four agents together, and the sim GitLab + sim runners together. */
  agentsCpuPercent: Spread;
  simulatorsCpuPercent: Spread;
  keptUp: string;
}

export interface RepeatSummary {
  runs: number;
  /** What the sim runners did per job in these runs (one value: the CLI runs them alike). */
  runnerWork: RunnerWork | null;
  goals: { name: string; goal: string; figure: Spread; met: boolean | null }[];
  rates: RateSpread[];
  maxRssMb: Record<string, Spread>;
  /** With `--memory`: per agent, each figure of its highest-RSS sample of a run (MiB), over the runs. */
  memory: Record<string, Record<string, Spread>>;
  floor: { natsP50: Spread; natsP99: Spread; redisP50: Spread; redisP99: Spread };
}

/** Folds several live runs into medians with min–max; a goal is met when most runs met it. */
export function summarizeRuns(runs: readonly LiveResults[]): RepeatSummary {
  const goalNames = runs[0]?.summary.goals ?? [];
  const goals = goalNames.map((g, i) => {
    const figure = spread(runs.map((r) => r.summary.goals[i]?.figure));
    // For a threshold goal the median run meets it exactly when most runs do (odd run counts).
    const metCount = runs.filter((r) => r.summary.goals[i]?.met === true).length;
    const met = figure.median === null ? null : metCount * 2 > runs.length;
    return { name: g.name, goal: g.goal, figure, met };
  });
  const rates = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.rate)))].sort((a, b) => a - b).map((rate): RateSpread => {
    const steps = runs.map((r) => r.steps.find((s) => s.rate === rate)).filter((s) => s !== undefined);
    return {
      rate,
      decisionsPerSec: spread(steps.map((s) => s.decisionsPerSec)),
      queuedToDecidedP50: spread(steps.map((s) => s.latencyMs.queuedToDecided.p50)),
      queuedToDecidedP99: spread(steps.map((s) => s.latencyMs.queuedToDecided.p99)),
      ruleP99: spread(steps.map((s) => s.latencyMs.ruleQueuedToDecided.p99)),
      handoffP50: spread(steps.map((s) => s.latencyMs.handoff.p50)),
      handoffP99: spread(steps.map((s) => s.latencyMs.handoff.p99)),
      agentsCpuPercent: spread(steps.map((s) => s.cpuPercent.agents)),
      simulatorsCpuPercent: spread(steps.map((s) => s.cpuPercent.simulators)),
      keptUp: `${steps.filter((s) => s.keptUp).length}/${steps.length}`,
    };
  });
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.summary.maxRssMb)))];
  const maxRssMb = Object.fromEntries(names.map((n) => [n, spread(runs.map((r) => r.summary.maxRssMb[n]))]));
  return {
    runs: runs.length, runnerWork: runs[0]?.config.runnerWork ?? null, goals, rates, maxRssMb, memory: memorySpread(runs),
    floor: {
      natsP50: spread(runs.map((r) => r.floor.natsRequestMs.p50)), natsP99: spread(runs.map((r) => r.floor.natsRequestMs.p99)),
      redisP50: spread(runs.map((r) => r.floor.redisEvalMs.p50)), redisP99: spread(runs.map((r) => r.floor.redisEvalMs.p99)),
    },
  };
}

/** The memory figures the README quotes: the OS's, V8's heap and its main spaces, and the anonymous memory by mapping. */
export const MEMORY_FIGURES = [
  "rssMb", "rssFileMb", "rssAnonMb", "heapTotalMb", "heapUsedMb", "new_space", "old_space", "code_space", "externalMb", "v8Pages", "brk", "other",
] as const;

/** One of MEMORY_FIGURES from a sample (MiB); null when the sample lacks it. */
export function memoryFigure(sample: MemorySample, figure: (typeof MEMORY_FIGURES)[number]): number | null {
  switch (figure) {
    case "rssMb": case "rssFileMb": case "rssAnonMb": case "heapTotalMb": case "heapUsedMb": case "externalMb": return sample[figure];
    case "v8Pages": case "brk": case "other": return sample.anonByMapping?.[figure] ?? null;
    default: return sample.spaces[figure]?.sizeMb ?? null;
  }
}

function memorySpread(runs: readonly LiveResults[]): RepeatSummary["memory"] {
  const names = [...new Set(runs.flatMap((r) => r.steps.flatMap((s) => Object.keys(s.memory ?? {}))))];
  const out: RepeatSummary["memory"] = {};
  for (const name of names) {
    // Per run, the sample at the agent's highest RSS over its steps.
    const peaks = runs.map((r) => r.steps.map((s) => s.memory?.[name]).filter((m) => m !== undefined).sort((a, b) => b.rssMb - a.rssMb)[0]);
    out[name] = Object.fromEntries(MEMORY_FIGURES.map((f) => [f, spread(peaks.map((p) => (p ? memoryFigure(p, f) : null)))]));
  }
  return out;
}

const num = (x: number | null) => (x === null ? "-" : x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2));
/** "median (min–max)", or just the figure for one run. */
export function formatSpread(s: Spread): string {
  if (s.median === null) return "-";
  return s.runs > 1 ? `${num(s.median)} (${num(s.min)}–${num(s.max)})` : num(s.median);
}
