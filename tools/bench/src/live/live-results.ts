import type { Floor } from "./floor.js";
import type { LatencyStats } from "./latency-stats.js";
import type { RunnerWork } from "@switchyard/gitlab-sim";
import type { ProcUsage } from "./proc-stats.js";
import type { MemorySample } from "./memory-sampler.js";

/** Schema id of bench-results/live.json (documented in tools/bench/README.md). */
export const LIVE_SCHEMA = "switchyard.bench.live/v1";
/** Schema id of the file `npm run bench` writes: `{ schema, runs: LiveResults[], summary: RepeatSummary }`. */
export const LIVE_RUNS_SCHEMA = "switchyard.bench.live-runs/v1";

/** The targets each figure is printed beside. */
export const LIVE_GOALS = {
  ruleP99MsAt200: 5,
  ruleP99RatePerSec: 200,
  sustainedDecisionsPerSec: 1000,
  maxRssMb: 150,
  stopP99Ms: 50,
} as const;

/** One rate step: what was offered, what was decided, how fast, and what it cost. */
export interface LiveStep {
  rate: number;
  seconds: number;
  offered: number;
  offeredPerSec: number;
  decisions: number;
  decisionsPerSec: number;
  startedPerSec: number;
  /** Jobs offered so far that have no decision yet, at the step's end. */
  backlog: number;
  keptUp: boolean;
  latencyMs: {
    /** decidedAt − queuedAt: the broker took the job from GitLab → the decision was published. */
    queuedToDecided: LatencyStats;
    /** The same, rule-mode decisions only (the goal's "rule path"). */
    ruleQueuedToDecided: LatencyStats;
    /** The decision's latencyMs: scoring and choosing once a runner was free. */
    decide: LatencyStats;
    /** Job offered to the sim GitLab → decision seen on NATS by the bench. */
    offeredToDecision: LatencyStats;
    /** Job offered to the sim GitLab → its runner accepted it (first job update, outcome "started"). */
    handoff: LatencyStats;
  };
  modes: Record<string, number>;
  utilization: { meanRunning: number; slots: number; ratio: number };
  processes: Record<string, ProcUsage>;
  /** CPU % of one core summed over the four agents, and over the load driver (sim GitLab + sim runners). */
  cpuPercent: { agents: number; simulators: number };
  /** With `--memory`: per agent, its own memory sample at its highest RSS in the step. */
  memory?: Record<string, MemorySample>;
}

/** The whole result file. */
export interface LiveResults {
  schema: typeof LIVE_SCHEMA;
  generatedAt: string;
  machine: { cpus: number; cpuModel: string; memoryMb: number; node: string };
  /** NATS and Redis round trips on this machine, measured at start: no figure can beat these. */
  floor: Floor;
  config: {
    runners: number; pools: number; limit: number; slots: number; speed: number; jobSeconds: number; stepSeconds: number; rates: number[]; warmupSeconds: number;
    /** What the sim runners did per job (SIM_RUNNER_WORK). */
    runnerWork: RunnerWork;
    /** The node flags the agents ran with (AGENT_NODE_FLAGS unless --agent-node-flags), and NODE_OPTIONS if set. */
    agentNodeFlags?: string[];
    /** The extra environment the agents ran with (AGENT_ENV unless --agent-env). */
    agentEnv?: Record<string, string>;
    nodeOptions?: string;
  };
  steps: LiveStep[];
  stoppedBecause: string;
  summary: {
    /** Highest step rate that kept up with p99 queued→decided ≤ 50 ms. */
    sustainedRate: number | null;
    maxDecisionsPerSec: number;
    ruleP99MsAt200: number | null;
    maxRssMb: Record<string, number>;
    goals: { name: string; figure: number | null; goal: string; met: boolean | null }[];
  };
}

/** Sums a step's per-process CPU into the agents' share and the simulators' share (each % of one core). */
export function cpuSplit(processes: Record<string, ProcUsage>, agents: readonly string[], simulators: readonly string[]): LiveStep["cpuPercent"] {
  const sum = (names: readonly string[]) => Math.round(names.reduce((n, name) => n + (processes[name]?.cpuPercent ?? 0), 0) * 10) / 10;
  return { agents: sum(agents), simulators: sum(simulators) };
}

/** Summary and goal verdicts from the steps. */
export function summarize(steps: LiveStep[], agents: readonly string[]): LiveResults["summary"] {
  const good = steps.filter((s) => s.keptUp && (s.latencyMs.queuedToDecided.p99 ?? Infinity) <= LIVE_GOALS.stopP99Ms);
  const sustainedRate = good.length ? Math.max(...good.map((s) => s.rate)) : null;
  const maxDecisionsPerSec = Math.max(0, ...good.map((s) => s.decisionsPerSec));
  const at200 = steps.find((s) => s.rate === LIVE_GOALS.ruleP99RatePerSec);
  const ruleP99MsAt200 = at200?.latencyMs.ruleQueuedToDecided.p99 ?? null;
  const maxRssMb: Record<string, number> = {};
  for (const step of steps) {
    for (const [name, usage] of Object.entries(step.processes)) maxRssMb[name] = Math.max(maxRssMb[name] ?? 0, usage.maxRssMb);
  }
  const worstAgentRss = Math.max(0, ...agents.map((a) => maxRssMb[a] ?? 0));
  return {
    sustainedRate, maxDecisionsPerSec, ruleP99MsAt200, maxRssMb,
    goals: [
      { name: "rule-path decision p99 at 200 jobs/s (ms)", figure: ruleP99MsAt200, goal: `<= ${LIVE_GOALS.ruleP99MsAt200}`, met: ruleP99MsAt200 === null ? null : ruleP99MsAt200 <= LIVE_GOALS.ruleP99MsAt200 },
      { name: "decisions/s sustained (p99 <= 50 ms, kept up)", figure: maxDecisionsPerSec, goal: `>= ${LIVE_GOALS.sustainedDecisionsPerSec}`, met: maxDecisionsPerSec >= LIVE_GOALS.sustainedDecisionsPerSec },
      { name: "largest agent RSS (MB)", figure: worstAgentRss, goal: `< ${LIVE_GOALS.maxRssMb}`, met: worstAgentRss < LIVE_GOALS.maxRssMb },
    ],
  };
}
