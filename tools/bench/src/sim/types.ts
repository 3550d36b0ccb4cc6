import type { TrustTier } from "@switchyard/contracts";
import type { Placement } from "@switchyard/decision";
import type { RunnerSpec } from "../fleet/fleet.js";
import type { TraceJob } from "../trace/trace-job.js";

/** A trace job during one replay. Times are ms of simulated time from the trace's start. */
export interface SimJob {
  readonly trace: TraceJob;
  readonly jobId: number;
  readonly projectId: number;
  readonly pool: string;
  readonly jobClass: string;
  readonly weight: number;
  readonly tier: TrustTier;
  readonly isDeploy: boolean;
  /** When the job became pending: its (compressed) created time, or its pipeline's end for deploys. */
  arrivedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  runnerId: string | null;
  /** Wait no non-preemptive policy could avoid given what ran when it arrived: 0 with a free slot, else the earliest finish. */
  unavoidableMs: number;
  /** The run time (s) the policy expected when the job became pending: null = unknown; absent = the policy does not predict. */
  predictedRunS?: number | null;
  /**
   * How a Switchyard policy placed it, as the assigner's decision record says (absent for other
   * policies); `closeCall`: the top two were within the margin, so a live assigner with an API key
   * would have asked the LLM.
   */
  placement?: Pick<Placement, "mode" | "enforced"> & { closeCall: boolean };
}

/** A runner during one replay. */
export interface SimRunner {
  readonly spec: RunnerSpec;
  running: number;
  /** When each free slot became free, oldest first: the runner that asks first holds the oldest. */
  freeSince: number[];
  /** Finish times of the jobs it runs. */
  finishes: number[];
  /** Pipelines and projects it ran recently, newest last (at most 20). */
  recentPipelines: number[];
  recentProjects: number[];
  /** Recent run times (s) per job name on this runner (at most 20 each). */
  runTimes: Map<string, number[]>;
  /** Busy slot-milliseconds so far. */
  busyMs: number;
}

/** What a policy sees of one pool when asked for the next dispatch. */
export interface PoolView {
  readonly pool: string;
  readonly now: number;
  /** Runners of the pool with at least one free slot. */
  readonly open: readonly SimRunner[];
  readonly totalSlots: number;
  readonly freeSlots: number;
  /** Jobs each project runs in this pool now. */
  readonly runningByProject: ReadonlyMap<number, number>;
  /** Free slots held for urgent classes (weight ≥ minWeight) by the warm reserve; slots 0 = none. */
  readonly reserved?: { readonly slots: number; readonly minWeight: number };
  /** The fleet's recent median run time (s) for a job name, if any ran yet. */
  fleetMedian(name: string): number | undefined;
}

/** A dispatch decision: this job on this runner, now. */
export interface Dispatch {
  job: SimJob;
  runner: SimRunner;
}

/** A queueing policy under test: holds pending jobs, and picks the next dispatch of a pool. */
export interface DispatchPolicy {
  readonly name: string;
  /** A job became pending. */
  enqueue(job: SimJob, now: number): void;
  /** The next dispatch in the pool (job removed from the queue), or undefined to leave the rest waiting. */
  next(view: PoolView): Dispatch | undefined;
  /** A job finished after `runSeconds` on its runner: what a learning policy may learn from (never the trace itself). */
  finished?(job: SimJob, runSeconds: number): void;
}

/** The runner that asks first: the one whose free slot has waited longest (ties: runner id). */
export function firstAsking(open: readonly SimRunner[]): SimRunner | undefined {
  let best: SimRunner | undefined;
  for (const r of open) {
    if (best === undefined || r.freeSince[0]! < best.freeSince[0]! ||
      (r.freeSince[0] === best.freeSince[0] && r.spec.runnerId < best.spec.runnerId)) best = r;
  }
  return best;
}
