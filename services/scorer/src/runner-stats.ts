import type { JobOutcome, JobQueued } from "@switchyard/contracts";
import { judgeOutcome, saysAboutRunner } from "@switchyard/decision";

/** Recent history per runner, from job outcomes, kept in memory and bounded. */
export interface RunnerStats {
  /** Remembers a job's name, pipeline and project so its outcome can be attributed. */
  noteQueued(job: JobQueued): void;
  recordOutcome(outcome: JobOutcome): void;
  successRate(runnerId: string): number | null;
  medianDuration(runnerId: string, jobName: string): number | undefined;
  fleetMedian(jobName: string): number | undefined;
  recentPipelines(runnerId: string): readonly number[] | undefined;
  recentProjects(runnerId: string): readonly number[] | undefined;
}

export interface RunnerStatsLimits {
  /** Outcomes per runner behind its success rate. */
  window: number;
  maxRunners?: number;
  maxJobsRemembered?: number;
  maxNamesPerRunner?: number;
  durationsPerName?: number;
  recentPerRunner?: number;
}

interface RunnerHistory {
  outcomes: boolean[];
  successes: number;
  durations: BoundedMap<string, Samples>;
  pipelines: number[];
  projects: number[];
}

/** Builds the in-memory stats; every structure is capped (oldest entries evicted first). */
export function createRunnerStats(limits: RunnerStatsLimits): RunnerStats {
  const recentCap = limits.recentPerRunner ?? 20;
  const perName = limits.durationsPerName ?? 15;
  const jobs = new BoundedMap<number, { name: string; pipelineId: number | null; projectId: number }>(limits.maxJobsRemembered ?? 20_000);
  const runners = new BoundedMap<string, RunnerHistory>(limits.maxRunners ?? 5_000);
  const fleet = new BoundedMap<string, Samples>(2_000);

  function historyOf(runnerId: string): RunnerHistory {
    let h = runners.get(runnerId);
    if (!h) {
      h = { outcomes: [], successes: 0, durations: new BoundedMap(limits.maxNamesPerRunner ?? 200), pipelines: [], projects: [] };
      runners.set(runnerId, h);
    }
    return h;
  }

  return {
    noteQueued(job) {
      jobs.set(job.jobId, { name: job.name, pipelineId: job.pipelineId, projectId: job.projectId });
    },
    recordOutcome(o) {
      // A job that ended without reaching a runner (max hold, token expiring) says nothing about any runner.
      if (o.runnerId === null) return;
      const h = historyOf(o.runnerId);
      const job = jobs.get(o.jobId);
      if (o.phase === "started") {
        if (job?.pipelineId != null) pushRecent(h.pipelines, job.pipelineId, recentCap);
        const projectId = o.projectId ?? job?.projectId;
        if (projectId != null) pushRecent(h.projects, projectId, recentCap);
        return;
      }
      // A job's own failure (its script, its pipeline) and a cancel count neither for nor against the runner.
      const verdict = judgeOutcome(o);
      if (saysAboutRunner(verdict)) {
        const ok = verdict === "runner-ok";
        h.outcomes.push(ok);
        if (ok) h.successes++;
        if (h.outcomes.length > limits.window && h.outcomes.shift()) h.successes--;
      }
      if (o.status === "success" && job && o.runSeconds !== null) {
        samplesIn(h.durations, job.name, perName).add(o.runSeconds);
        samplesIn(fleet, job.name, perName * 4).add(o.runSeconds);
      }
      jobs.delete(o.jobId);
    },
    successRate(runnerId) {
      const h = runners.peek(runnerId);
      return h && h.outcomes.length > 0 ? h.successes / h.outcomes.length : null;
    },
    medianDuration: (runnerId, name) => runners.peek(runnerId)?.durations.peek(name)?.median,
    fleetMedian: (name) => fleet.peek(name)?.median,
    recentPipelines: (runnerId) => runners.peek(runnerId)?.pipelines,
    recentProjects: (runnerId) => runners.peek(runnerId)?.projects,
  };
}

function pushRecent(list: number[], value: number, cap: number): void {
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
  list.push(value);
  if (list.length > cap) list.shift();
}

function samplesIn(map: BoundedMap<string, Samples>, name: string, cap: number): Samples {
  let s = map.get(name);
  if (!s) {
    s = new Samples(cap);
    map.set(name, s);
  }
  return s;
}

/** The last `cap` values with their median, recomputed on insert so reads are free. */
class Samples {
  private readonly values: number[] = [];
  median: number | undefined;
  constructor(private readonly cap: number) {}
  add(value: number): void {
    this.values.push(value);
    if (this.values.length > this.cap) this.values.shift();
    const sorted = [...this.values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    this.median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  }
}

/** A Map that evicts its least recently written (or `get`-touched) entry past `cap`. */
class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly cap: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  /** Reads without refreshing recency: the scoring hot path. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.cap) this.map.delete(this.map.keys().next().value as K);
  }
  delete(key: K): void {
    this.map.delete(key);
  }
}
