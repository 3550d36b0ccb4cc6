import type { Logger } from "@switchyard/runtime";
import { createJobOfferer } from "./job-offerer.js";
import { latencyStats, type LatencyStats } from "./latency-stats.js";
import { describeRunnerWork, startLiveSystem, type LiveSystem, type LiveSystemOptions } from "./live-system.js";
import { spread, type Spread } from "./repeat-summary.js";
import { bucketDelta, parseStageBuckets, stageFigures, type StageFigure } from "./stage-breakdown.js";
import type { RunnerWork } from "@switchyard/gitlab-sim";

/** What the hand-off comparison varies and holds fixed. */
export interface HandoffBenchOptions extends Omit<LiveSystemOptions, "log" | "mode" | "runners" | "prefix"> {
  runnerCounts: number[];
  /** Jobs offered per second while measuring: light, so neither GitLab nor the fleet is the bottleneck. */
  rate: number;
  seconds: number;
  /**
   * Seconds offered at `rate` first and not counted: through the broker, runners are placeable only once
   * the monitor has seen their polls (its poll interval plus the assigner's health refresh, ~4–6 s after
   * they start); measured before that, hand-offs waited for the health refresh, not for the broker.
   */
  warmupSeconds: number;
  jobSeconds: number;
  repeat: number;
  prefixFor: (label: string) => string;
}

export type HandoffMode = "direct" | "broker";

/** One runner count: each mode's hand-off over its runs, and the broker's cost at p50. */
export interface HandoffCase {
  runners: number;
  direct: { runs: LatencyStats[]; p50: Spread; p99: Spread };
  broker: { runs: LatencyStats[]; p50: Spread; p99: Spread; stages: StageSummary[] };
  /** Broker p50 − direct p50 (ms), medians. */
  addedP50: number | null;
}

/**
 * One stage of the broker's hand-offs over the runs: `gitlab` (the job created → Rails handed it out on the
 * pool's jobs/request, from the sim's own record of each job), then the assigner's
 * switchyard_handoff_stage_seconds stages; median (min–max) of each run's p50 and p99, ms.
 */
export interface StageSummary { stage: string; p50: Spread; p99: Spread }

/** One measured run: offer → runner, and where the time went. */
export interface RunMeasure { stats: LatencyStats; stages: StageFigure[] }

export const HANDOFF_SCHEMA = "switchyard.bench.handoff/v1";

export interface HandoffResults {
  schema: typeof HANDOFF_SCHEMA;
  generatedAt: string;
  config: { runnerCounts: number[]; rate: number; seconds: number; warmupSeconds: number; jobSeconds: number; repeat: number; limit: number; speed: number; runnerWork: RunnerWork };
  cases: HandoffCase[];
  goals: { goal: string; figure: string; met: boolean | null }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** When each job reached a runner (wall ms), as the sim runners report it. */
async function receivedAt(system: LiveSystem): Promise<Map<number, number>> {
  const body = (await (await fetch(`${system.runnersUrl}/received`)).json()) as Record<string, number>;
  return new Map(Object.entries(body).map(([id, at]) => [Number(id), at]));
}

/**
 * Offer → runner got it, for one system: `rate` jobs per second for `warmupSeconds` (not counted, until
 * each reached a runner), then for `seconds`, then every measured job's hand-off.
 */
async function measure(system: LiveSystem, options: HandoffBenchOptions): Promise<RunMeasure> {
  const offerer = createJobOfferer({ gitlabUrl: system.gitlabUrl, adminToken: system.adminToken, poolTags: system.poolTags, jobSeconds: options.jobSeconds });
  const until = async (count: number, ms: number) => {
    const deadline = Date.now() + ms;
    while ((await receivedAt(system)).size < count && Date.now() < deadline) await sleep(100);
  };
  offerer.run(options.rate);
  await sleep(options.warmupSeconds * 1_000);
  await offerer.stop();
  await until(offerer.offered(), 60_000);
  const warmIds = new Set((await receivedAt(system)).keys());
  const stagesBefore = await scrapeStages(system);
  offerer.run(options.rate);
  await sleep(options.seconds * 1_000);
  await offerer.stop();
  await until(offerer.offered(), 30_000);
  const got = await receivedAt(system);
  const stagesAfter = await scrapeStages(system);
  const handoffs: number[] = [];
  const measured: number[] = [];
  for (const [jobId, at] of got) {
    const sent = offerer.offeredAt(jobId);
    if (sent !== undefined && !warmIds.has(jobId)) { handoffs.push(at - sent); measured.push(jobId); }
  }
  const gitlab = latencyStats(await gitlabPickMs(system, measured, options.speed));
  const assigner = stagesBefore && stagesAfter ? bucketDelta(stagesBefore, stagesAfter) : new Map();
  const stages = [{ stage: "gitlab", count: gitlab.count, p50: gitlab.p50, p99: gitlab.p99 }, ...stageFigures(assigner, [...assigner.keys()])];
  return { stats: latencyStats(handoffs), stages };
}

/** The assigner's hand-off stage histograms now; null without an assigner (direct mode). */
async function scrapeStages(system: LiveSystem): Promise<ReturnType<typeof parseStageBuckets> | null> {
  if (!system.assignerUrl) return null;
  return parseStageBuckets(await (await fetch(`${system.assignerUrl}/metrics`)).text());
}

/** Per job, created → picked by a jobs/request (wall ms), from the sim GitLab's times (its clock runs `speed` times faster). */
async function gitlabPickMs(system: LiveSystem, jobIds: readonly number[], speed: number): Promise<number[]> {
  const out: number[] = [];
  for (const id of jobIds) {
    const res = await fetch(`${system.gitlabUrl}/sim/jobs/${id}`, { headers: { "PRIVATE-TOKEN": system.adminToken } });
    if (res.status !== 200) { await res.arrayBuffer(); continue; }
    const job = (await res.json()) as { createdAt: string; startedAt: string | null };
    if (job.startedAt !== null) out.push((Date.parse(job.startedAt) - Date.parse(job.createdAt)) / speed);
  }
  return out;
}

/**
 * Hand-off through the broker against runners polling the (simulated) GitLab straight, at each runner
 * count: the same sim GitLab, runners and jobs, only the path differs. With many runners every new job
 * wakes every direct long poll; through the broker exactly one runner is woken.
 */
export async function runHandoffBench(options: HandoffBenchOptions, deps: { log: Logger; progress: (line: string) => void }): Promise<HandoffResults> {
  const cases: HandoffCase[] = [];
  const runnerWork = options.runnerWork ?? "light";
  deps.progress(`load driver: ${describeRunnerWork(runnerWork)}`);
  for (const runners of options.runnerCounts) {
    const byMode: Record<HandoffMode, LatencyStats[]> = { direct: [], broker: [] };
    const brokerStages: StageFigure[][] = [];
    for (let run = 1; run <= options.repeat; run++) {
      for (const mode of ["direct", "broker"] as const) {
        const system = await startLiveSystem({ ...options, runnerWork, runners, mode, prefix: options.prefixFor(`${mode}${runners}r${run}`), log: deps.log });
        try {
          const { stats, stages } = await measure(system, options);
          byMode[mode].push(stats);
          if (mode === "broker") brokerStages.push(stages);
          const where = stages.filter((st) => st.count > 0).map((st) => `${st.stage} ${st.p50}/${st.p99}`).join(", ");
          deps.progress(`${runners} runners, ${mode}, run ${run}/${options.repeat}: hand-off p50 ${stats.p50} ms, p99 ${stats.p99} ms (${stats.count} jobs); stages p50/p99 ms: ${where}`);
        } finally {
          await system.stop();
        }
      }
    }
    const over = (runs: LatencyStats[], key: "p50" | "p99") => spread(runs.map((r) => r[key]));
    const direct = { runs: byMode.direct, p50: over(byMode.direct, "p50"), p99: over(byMode.direct, "p99") };
    const broker = { runs: byMode.broker, p50: over(byMode.broker, "p50"), p99: over(byMode.broker, "p99"), stages: summarizeStages(brokerStages) };
    const addedP50 = direct.p50.median !== null && broker.p50.median !== null ? Math.round((broker.p50.median - direct.p50.median) * 100) / 100 : null;
    cases.push({ runners, direct, broker, addedP50 });
  }
  return {
    schema: HANDOFF_SCHEMA, generatedAt: new Date().toISOString(),
    config: {
      runnerCounts: options.runnerCounts, rate: options.rate, seconds: options.seconds, warmupSeconds: options.warmupSeconds,
      jobSeconds: options.jobSeconds, repeat: options.repeat, limit: options.limit, speed: options.speed, runnerWork,
    },
    cases, goals: handoffGoals(cases),
  };
}

/** Each stage's p50 and p99 over the runs (the stage order of the first run). */
export function summarizeStages(runs: readonly StageFigure[][]): StageSummary[] {
  const names = runs[0]?.map((st) => st.stage) ?? [];
  const figures = (stage: string, key: "p50" | "p99") => runs.map((r) => r.find((st) => st.stage === stage)?.[key] ?? null).filter((v): v is number => v !== null);
  return names.map((stage) => ({ stage, p50: spread(figures(stage, "p50")), p99: spread(figures(stage, "p99")) }));
}

/** Issue 16's hand-off goals: ≤ 5 ms added at p50 with 50 runners; faster than direct with 500. */
export function handoffGoals(cases: readonly HandoffCase[]): HandoffResults["goals"] {
  const at = (n: number) => cases.find((c) => c.runners === n);
  const small = at(50);
  const large = at(500);
  return [
    {
      goal: "broker adds ≤ 5 ms at p50 over a direct long poll (50 runners)",
      figure: small?.addedP50 === null || !small ? "not measured" : `${small.addedP50} ms`,
      met: small?.addedP50 === null || !small ? null : small.addedP50 <= 5,
    },
    {
      goal: "broker faster than direct at p50 (500 runners)",
      figure: !large || large.addedP50 === null ? "not measured" : `${large.broker.p50.median} vs ${large.direct.p50.median} ms`,
      met: !large || large.addedP50 === null ? null : large.addedP50 < 0,
    },
  ];
}
