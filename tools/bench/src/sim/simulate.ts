import { classify, deploymentOf, type ClassRules } from "@switchyard/decision";
import type { RunnerSpec } from "../fleet/fleet.js";
import { createMachineScaler, type AutoscalingInput, type SimMachine } from "./machine-scaler.js";
import { ciVariablesOf } from "../trace/ci-variables.js";
import type { TraceJob } from "../trace/trace-job.js";
import { createEventQueue } from "./event-queue.js";
import { createRunTimes } from "./run-times.js";
import type { DispatchPolicy, PoolView, SimJob, SimRunner } from "./types.js";

/** One replay: a trace on a fleet under one policy. */
export interface SimulationInput {
  trace: readonly TraceJob[];
  runners: readonly RunnerSpec[];
  policy: DispatchPolicy;
  rules: ClassRules;
  /** Arrivals are squeezed by this factor (2 = the trace's day in half a day); run times are not. */
  compression: number;
  /** Pools whose machines the optimizer's planner creates and removes as the replay goes (absent: a fixed fleet). */
  autoscaling?: AutoscalingInput;
}

/** Every job with its start and finish, the runners with their busy time, and the replay's span (ms). */
export interface SimulationResult {
  policy: string;
  jobs: SimJob[];
  runners: SimRunner[];
  spanMs: number;
  /** Every machine the autoscaler created, with when it booted and was removed (empty for a fixed fleet). */
  machines: SimMachine[];
}

type SimEvent =
  | { kind: "arrive"; job: SimJob }
  | { kind: "finish"; job: SimJob; runner: SimRunner }
  | { kind: "scale" }
  | { kind: "ready"; machine: SimMachine };

/**
 * Replays the trace as a discrete-event simulation: jobs arrive at their compressed created time
 * (deploy-after-pipeline jobs when their pipeline's other jobs have all finished), every event at one
 * instant is applied before any dispatch, then each touched pool runs a dispatch round: the policy
 * is asked for the next (job, runner) until it declines or no runner has a free slot.
 * Jobs whose pool has no runner never run and are reported with startedAt null.
 */
export function simulate(input: SimulationInput): SimulationResult {
  if (!(input.compression > 0)) throw new Error("simulate: compression must be > 0");
  const t0 = input.trace.reduce((m, j) => Math.min(m, j.createdAt), Infinity);
  const projectIds = new Map<string, number>();
  const runTimes = createRunTimes();
  const runners = input.runners.map((spec): SimRunner => ({
    spec, running: 0, freeSince: Array.from({ length: spec.limit }, () => 0), finishes: [],
    recentPipelines: [], recentProjects: [], runTimes: new Map(), busyMs: 0,
  }));
  const byPool = new Map<string, SimRunner[]>();
  for (const r of runners) byPool.set(r.spec.pool, [...(byPool.get(r.spec.pool) ?? []), r]);
  const runningByPool = new Map<string, Map<number, number>>();
  const events = createEventQueue<SimEvent>();
  const pending = new Map<number, number>();
  const held = new Map<number, SimJob[]>();
  const jobs = input.trace.map((t): SimJob => {
    if (!projectIds.has(t.project)) projectIds.set(t.project, projectIds.size + 1);
    return simJobOf(t, input.rules, projectIds.get(t.project)!);
  });
  for (const job of jobs) {
    if (job.trace.afterPipeline) {
      held.set(job.trace.pipelineId, [...(held.get(job.trace.pipelineId) ?? []), job]);
    } else {
      pending.set(job.trace.pipelineId, (pending.get(job.trace.pipelineId) ?? 0) + 1);
      events.push(((job.trace.createdAt - t0) * 1000) / input.compression, { kind: "arrive", job });
    }
  }
  for (const [pipelineId, list] of held) {
    if (pending.has(pipelineId)) continue;
    for (const job of list) events.push(((job.trace.createdAt - t0) * 1000) / input.compression, { kind: "arrive", job });
  }

  /** Jobs pending per pool (arrived, not started): the autoscaler's backlog. */
  const waiting = new Map<string, Set<SimJob>>();
  const scaler = input.autoscaling ? createMachineScaler(input.autoscaling, byPool) : null;
  if (scaler) events.push(0, { kind: "scale" });

  let now = 0;
  let last = 0;
  while (events.size > 0) {
    now = events.peekTime()!;
    const touched = new Set<string>();
    const arrived: SimJob[] = [];
    let scaleTick = false;
    while (events.peekTime() === now) {
      const ev = events.pop()!.item;
      if (ev.kind === "arrive") {
        ev.job.arrivedAt = now;
        arrived.push(ev.job);
        input.policy.enqueue(ev.job, now);
        touched.add(ev.job.pool);
        (waiting.get(ev.job.pool) ?? waiting.set(ev.job.pool, new Set()).get(ev.job.pool)!).add(ev.job);
      } else if (ev.kind === "finish") {
        finish(ev.job, ev.runner);
        touched.add(ev.runner.spec.pool);
      } else if (ev.kind === "ready") {
        scaler!.ready(ev.machine, now);
        touched.add(ev.machine.pool);
      } else {
        scaleTick = true;
      }
    }
    for (const job of arrived) job.unavoidableMs = unavoidable(byPool.get(job.pool) ?? [], now);
    for (const pool of [...touched].sort()) dispatchRound(pool);
    // Planned after this instant's dispatches, so a machine that just booted and took a job is not free.
    if (scaleTick && scaler) {
      for (const machine of scaler.tick(now, waiting)) events.push(machine.readyAt, { kind: "ready", machine });
      // Ticks go on while anything is left to happen: arrivals, finishes, boots or waiting jobs.
      if (events.size > 0 || [...waiting.values()].some((w) => w.size > 0)) events.push(now + input.autoscaling!.intervalMs, { kind: "scale" });
    }
    last = now;
  }
  if (scaler) scaler.close(last);
  return { policy: input.policy.name, jobs, runners: [...runners, ...(scaler?.runners() ?? [])], spanMs: last, machines: scaler?.machines() ?? [] };

  function finish(job: SimJob, runner: SimRunner): void {
    job.finishedAt = now;
    runner.running--;
    runner.freeSince.push(now);
    runner.finishes.splice(runner.finishes.indexOf(now), 1);
    const load = runningByPool.get(runner.spec.pool)!;
    load.set(job.projectId, (load.get(job.projectId) ?? 1) - 1);
    runTimes.record(runner, job.trace.name, (now - job.startedAt!) / 1000);
    input.policy.finished?.(job, (now - job.startedAt!) / 1000);
    if (job.trace.afterPipeline) return;
    const left = pending.get(job.trace.pipelineId)! - 1;
    pending.set(job.trace.pipelineId, left);
    if (left === 0) for (const d of held.get(job.trace.pipelineId) ?? []) events.push(now, { kind: "arrive", job: d });
  }

  function dispatchRound(pool: string): void {
    const poolRunners = byPool.get(pool) ?? [];
    const load = runningByPool.get(pool) ?? new Map<number, number>();
    runningByPool.set(pool, load);
    const totalSlots = poolRunners.reduce((s, r) => s + r.spec.limit, 0);
    for (;;) {
      const open = poolRunners.filter((r) => r.running < r.spec.limit);
      if (open.length === 0) return;
      const view: PoolView = {
        pool, now, open, totalSlots, freeSlots: open.reduce((s, r) => s + r.spec.limit - r.running, 0),
        runningByProject: load, fleetMedian: (name) => runTimes.fleetMedian(name),
        reserved: scaler?.reserved(pool, now) ?? { slots: 0, minWeight: Infinity },
      };
      const d = input.policy.next(view);
      if (!d) return;
      if (d.runner.running >= d.runner.spec.limit || d.runner.spec.pool !== pool || d.job.pool !== pool) {
        throw new Error(`policy ${input.policy.name} dispatched job ${d.job.jobId} to a runner without a free slot in its pool`);
      }
      const runMs = (d.job.trace.durationS * 1000) / d.runner.spec.speed;
      d.job.startedAt = now;
      d.job.runnerId = d.runner.spec.runnerId;
      waiting.get(pool)?.delete(d.job);
      scaler?.started(d.runner, d.job.weight, now);
      d.runner.running++;
      d.runner.freeSince.shift();
      d.runner.finishes.push(now + runMs);
      d.runner.busyMs += runMs;
      pushRecent(d.runner.recentPipelines, d.job.trace.pipelineId);
      pushRecent(d.runner.recentProjects, d.job.projectId);
      load.set(d.job.projectId, (load.get(d.job.projectId) ?? 0) + 1);
      events.push(now + runMs, { kind: "finish", job: d.job, runner: d.runner });
    }
  }
}

/** A trace job before it arrives, classified from its CI variables as the assigner classifies a payload. */
export function simJobOf(t: TraceJob, rules: ClassRules, projectId: number): SimJob {
  const c = classify(rules, ciVariablesOf(t));
  const dep = deploymentOf(ciVariablesOf(t));
  return {
    trace: t, jobId: t.jobId, projectId, pool: t.pool, jobClass: c.jobClass,
    weight: c.weight, tier: c.tier, isDeploy: dep?.isDeploy ?? false,
    arrivedAt: Number.NaN, startedAt: null, finishedAt: null, runnerId: null, unavoidableMs: 0,
  };
}

/** 0 when a slot is free, else the time until the pool's earliest finish. */
function unavoidable(poolRunners: readonly SimRunner[], now: number): number {
  let earliest = Infinity;
  for (const r of poolRunners) {
    if (r.running < r.spec.limit) return 0;
    for (const f of r.finishes) if (f < earliest) earliest = f;
  }
  return earliest === Infinity ? 0 : earliest - now;
}

function pushRecent(list: number[], value: number): void {
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
  list.push(value);
  if (list.length > 20) list.shift();
}
