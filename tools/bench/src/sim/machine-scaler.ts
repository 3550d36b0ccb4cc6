import { planScaling, warmReserveSlots, type ClassBacklog, type PlannedMachine, type ScalingPolicy, type WarmReserveConfig } from "@switchyard/decision";
import type { RunnerShape } from "../fleet/fleet.js";
import type { SimJob, SimRunner } from "./types.js";

/** How one pool is autoscaled in a replay: the machine it creates, how long one boots, the policy in force. */
export interface AutoscaledPool {
  shape: RunnerShape;
  bootMs: number;
  policy: ScalingPolicy;
  /** Idle slots only urgent classes may take (absent: none): the planner keeps them, the dispatch honours them. */
  reserve?: WarmReserveConfig;
}

/** Autoscaling in a replay: the optimizer's planner, asked every `intervalMs` per pool (its `intervalMs`). */
export interface AutoscalingInput {
  pools: Readonly<Record<string, AutoscaledPool>>;
  intervalMs: number;
}

/** One machine the autoscaler created. Times are replay ms; billed from creation (boot included) to removal. */
export interface SimMachine {
  readonly id: string;
  readonly pool: string;
  readonly createdAt: number;
  readonly readyAt: number;
  destroyedAt: number | null;
  jobsRun: number;
  /** Its runner once booted. */
  runner: SimRunner | null;
}

/** Creates and removes a replay's machines as `planScaling` says, and adds their runners to the pools. */
export interface MachineScaler {
  /** Plans every autoscaled pool; returns the machines created now (their boot ends at `readyAt`). */
  tick(now: number, waiting: ReadonlyMap<string, ReadonlySet<SimJob>>): SimMachine[];
  /** A machine finished booting: its runner joins the pool. */
  ready(machine: SimMachine, now: number): void;
  /** A job started on this runner (counts toward max_use_count when it is a machine; an urgent one sizes the reserve). */
  started(runner: SimRunner, weight: number, now: number): void;
  /** Slots of the pool held for urgent classes now, and the weight that may take them. */
  reserved(pool: string, now: number): { slots: number; minWeight: number };
  /** The replay ended at `end`: machines still up are billed until then. */
  close(end: number): void;
  machines(): SimMachine[];
  runners(): SimRunner[];
}

/**
 * `byPool` is the replay's own runner list per pool: booted machines are appended, removed ones taken
 * out, so the dispatch rounds see exactly the machines that are up. Fixed runners of a pool stay and
 * count as free capacity (the planner's `staticFreeSlots`).
 */
export function createMachineScaler(input: AutoscalingInput, byPool: Map<string, SimRunner[]>): MachineScaler {
  const all: SimMachine[] = [];
  const live = new Map<string, SimMachine[]>();
  const byRunnerId = new Map<string, SimMachine>();
  let created = 0;
  const urgentStarts = new Map<string, number[]>();
  const reservedIn = (pool: string, now: number) => {
    const cfg = input.pools[pool]?.reserve;
    return cfg ? { slots: warmReserveSlots(urgentStarts.get(pool) ?? [], now, cfg), minWeight: cfg.minWeight } : { slots: 0, minWeight: Infinity };
  };

  function planned(m: SimMachine, now: number): PlannedMachine {
    const r = m.runner;
    if (!r || now < m.readyAt) return { id: m.id, state: "creating", running: 0, jobsRun: 0, idleSince: null };
    return { id: m.id, state: "running", running: r.running, jobsRun: m.jobsRun, idleSince: r.running === 0 ? Math.max(m.readyAt, ...r.freeSince) : null };
  }

  function backlogOf(jobs: ReadonlySet<SimJob> | undefined): ClassBacklog[] {
    const byClass = new Map<string, ClassBacklog & { arrivedAt: number[] }>();
    for (const j of jobs ?? []) {
      const b = byClass.get(j.jobClass) ?? byClass.set(j.jobClass, { jobClass: j.jobClass, weight: j.weight, waiting: 0, arrivedAt: [] }).get(j.jobClass)!;
      b.waiting++;
      b.arrivedAt.push(j.arrivedAt);
    }
    return [...byClass.values()];
  }

  return {
    tick(now, waiting) {
      const born: SimMachine[] = [];
      for (const [pool, cfg] of Object.entries(input.pools)) {
        const machines = live.get(pool) ?? [];
        const machineIds = new Set(machines.map((m) => m.id));
        const fixed = (byPool.get(pool) ?? []).filter((r) => !machineIds.has(r.spec.runnerId));
        const staticFreeSlots = fixed.reduce((n, r) => n + r.spec.limit - r.running, 0);
        const plan = planScaling({ machines: machines.map((m) => planned(m, now)), backlog: backlogOf(waiting.get(pool)), staticFreeSlots, reservedSlots: reservedIn(pool, now).slots }, cfg.policy, now);
        for (const id of plan.destroy) {
          const m = machines.find((x) => x.id === id);
          if (!m || (m.runner && m.runner.running > 0)) continue; // the planner removes idle machines only
          m.destroyedAt = now;
          if (m.runner) byPool.set(pool, (byPool.get(pool) ?? []).filter((r) => r !== m.runner));
        }
        const kept = machines.filter((m) => m.destroyedAt === null);
        for (let i = 0; i < plan.create; i++) {
          const m: SimMachine = { id: `${pool}-m${++created}`, pool, createdAt: now, readyAt: now + cfg.bootMs, destroyedAt: null, jobsRun: 0, runner: null };
          kept.push(m);
          all.push(m);
          born.push(m);
        }
        live.set(pool, kept);
      }
      return born;
    },
    ready(machine, now) {
      if (machine.destroyedAt !== null) return;
      const { shape, policy } = input.pools[machine.pool]!;
      const runner: SimRunner = {
        spec: { runnerId: machine.id, pool: machine.pool, tags: [machine.pool], limit: policy.capacityPerMachine, speed: shape.speed, cpus: shape.cpus },
        running: 0, freeSince: Array.from({ length: policy.capacityPerMachine }, () => now), finishes: [],
        recentPipelines: [], recentProjects: [], runTimes: new Map(), busyMs: 0,
      };
      machine.runner = runner;
      byRunnerId.set(machine.id, machine);
      byPool.set(machine.pool, [...(byPool.get(machine.pool) ?? []), runner]);
    },
    started(runner, weight, now) {
      const m = byRunnerId.get(runner.spec.runnerId);
      if (m) m.jobsRun++;
      const cfg = input.pools[runner.spec.pool]?.reserve;
      if (cfg && weight >= cfg.minWeight) {
        const list = urgentStarts.get(runner.spec.pool) ?? urgentStarts.set(runner.spec.pool, []).get(runner.spec.pool)!;
        list.push(now);
        while (list.length && now - list[0]! > cfg.windowMs) list.shift();
      }
    },
    reserved: reservedIn,
    close(end) {
      for (const m of all) if (m.destroyedAt === null) m.destroyedAt = Math.max(end, m.createdAt);
    },
    machines: () => all,
    runners: () => all.flatMap((m) => (m.runner ? [m.runner] : [])),
  };
}

/** Machine-hours billed: creation (boot included) to removal, summed over machines. */
export function machineHours(machines: readonly SimMachine[]): number {
  return machines.reduce((h, m) => h + ((m.destroyedAt ?? m.createdAt) - m.createdAt), 0) / 3_600_000;
}
