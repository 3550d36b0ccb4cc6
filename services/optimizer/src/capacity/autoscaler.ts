import { contracts, type Contract } from "@switchyard/contracts";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Machine, Provisioner } from "../provisioning/provisioner.js";
import type { CapacityMetrics } from "./capacity-metrics.js";
import { createLease, createRecordReader, type Lease, type RecordReader, type RedisKeys } from "@switchyard/runtime";
import { planScaling, type PlannedMachine, type ScalingPlan } from "@switchyard/decision";
import { readPoolSnapshot, type PoolSnapshot } from "./pool-snapshot.js";
import type { CompiledPoolScaling } from "./scaling-policy.js";
import { keepWarmReserve } from "./warm-reserve.js";

/** What an orphan (machine of an optimizer whose heartbeat expired) becomes: destroyed once idle, or adopted. */
export type OrphanPolicy = "destroy" | "adopt";

export interface AutoscalerDeps {
  redis: Redis;
  keys: RedisKeys;
  provisioner: Provisioner;
  pools: readonly CompiledPoolScaling[];
  /** This optimizer's instance id: the owner written on machines it creates. */
  owner: string;
  intervalMs: number;
  leaseTtlMs: number;
  /** TTL of this optimizer's Redis heartbeat; past it, its machines are orphans. */
  ownerTtlMs: number;
  orphans: OrphanPolicy;
  publish: <T>(contract: Contract<T>, subject: string, payload: T) => void;
  eventSubject: (kind: string) => string;
  metrics: CapacityMetrics;
  log: Logger;
  /** The agent's reader of shared Redis records; tests may leave it out. */
  records?: RecordReader;
  now?: () => number;
}

/** The result of one pass over one pool. */
export type PoolTick =
  | { pool: string; acted: false; reason: "lease held elsewhere" }
  | { pool: string; acted: true; plan: ScalingPlan; orphansDestroyed: string[]; snapshot: PoolSnapshot; reservedSlots: number };

/** A pool's warm reserve record lives this many passes: past it, an optimizer that stopped holds nothing back. */
const RESERVE_TTL_PASSES = 3;

/** Keeps each configured pool at the machines its policy wants; acts on a pool only while holding its lease. */
export interface Autoscaler {
  start(): void;
  stop(): Promise<void>;
  /** One pass over every pool now (the loop calls this; tests may too). */
  tick(): Promise<PoolTick[]>;
  /** Counts a finished job on a runner (= machine id) toward max_use_count. */
  noteJobFinished(runnerId: string): void;
  /**
   * Destroys a sick runner's machine (the monitor asked) if this optimizer's provisioner manages it
   * and holds the pool's lease; the next pass replaces it by policy. Returns whether it destroyed it.
   */
  recycle(runnerId: string, pool: string, reason: string): Promise<boolean>;
}

const GONE = new Set(["deleting", "deleted"]);

/** Builds the autoscaler loop; nothing runs until `start()`. */
export function createAutoscaler(deps: AutoscalerDeps): Autoscaler {
  const log = deps.log.child({ component: "autoscaler" });
  const records = deps.records ?? createRecordReader(log);
  const now = deps.now ?? Date.now;
  const leases = new Map<string, Lease>(deps.pools.map((p) => [p.pool, createLease({
    redis: deps.redis, key: deps.keys.lease(`autoscaler:${p.pool}`), ttlMs: deps.leaseTtlMs, holder: deps.owner,
  })]));
  const idleSince = new Map<string, number | null>();
  const jobsRun = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  async function beat(): Promise<void> {
    await deps.redis.set(deps.keys.heartbeat("optimizer", deps.owner), String(now()), "PX", deps.ownerTtlMs);
  }

  function event(kind: string, pool: string, reason: string, details: Record<string, string | number | boolean | null>): void {
    try {
      deps.publish(contracts.fleetEvent, deps.eventSubject(kind), { v: 1, kind, runnerId: null, pool, reason: reason.slice(0, 1000), details, at: now() });
    } catch (err) {
      log.warn({ err: (err as Error).message, kind }, "fleet event not published");
    }
  }

  async function isOrphan(m: Machine, aliveCache: Map<string, boolean>): Promise<boolean> {
    if (m.owner === deps.owner) return false;
    let alive = aliveCache.get(m.owner);
    if (alive === undefined) {
      alive = (await deps.redis.exists(deps.keys.heartbeat("optimizer", m.owner))) === 1;
      aliveCache.set(m.owner, alive);
    }
    return !alive;
  }

  async function tickPool(scaling: CompiledPoolScaling): Promise<PoolTick> {
    const pool = scaling.pool;
    const lease = leases.get(pool)!;
    if (!(await lease.ensure())) return { pool, acted: false, reason: "lease held elsewhere" };
    const at = now();
    const [machines, snapshot, reservedSlots] = await Promise.all([
      deps.provisioner.list(pool), readPoolSnapshot(deps.redis, deps.keys, records, pool, at),
      keepWarmReserve(deps.redis, deps.keys, pool, scaling.warmReserve, at, RESERVE_TTL_PASSES * deps.intervalMs),
    ]);
    deps.metrics.warmReserve(pool, reservedSlots);
    const runnerById = new Map(snapshot.runners.map((r) => [r.runnerId, r]));
    const aliveCache = new Map<string, boolean>();
    const orphansDestroyed: string[] = [];
    const planned: PlannedMachine[] = [];
    const foreign = new Set<string>();
    for (const m of machines) {
      if (GONE.has(m.state)) continue;
      const runner = runnerById.get(m.id);
      const busy = (runner?.running ?? 0) > 0;
      // null = seen busy: idle from the pass that first sees it idle; never seen = idle since created.
      if (busy) idleSince.set(m.id, null);
      else if (!idleSince.has(m.id)) idleSince.set(m.id, m.createdAt);
      else if (idleSince.get(m.id) === null) idleSince.set(m.id, at);
      if (await isOrphan(m, aliveCache)) {
        if (deps.orphans === "destroy") {
          if (!busy) {
            await deps.provisioner.destroy(m.id);
            orphansDestroyed.push(m.id);
            deps.metrics.actions.inc({ pool, action: "orphan" });
            event("autoscaler.orphan-destroyed", pool, `machine ${m.id} of ${m.owner} (heartbeat expired) destroyed`, { machineId: m.id, owner: m.owner });
          }
          continue;
        }
      } else if (m.owner !== deps.owner) {
        foreign.add(m.id); // a live optimizer's machine: capacity we count but never remove
      }
      planned.push({
        id: m.id, state: m.state, running: runner?.running ?? 0, jobsRun: m.jobsRun ?? jobsRun.get(m.id) ?? 0,
        idleSince: busy || foreign.has(m.id) ? null : (idleSince.get(m.id) ?? at),
      });
    }
    const machineIds = new Set(machines.map((m) => m.id));
    for (const id of idleSince.keys()) if (!machineIds.has(id)) { idleSince.delete(id); jobsRun.delete(id); }
    const staticFreeSlots = snapshot.runners
      .filter((r) => !machineIds.has(r.runnerId) && !r.draining && r.limit > 0)
      .reduce((sum, r) => sum + Math.max(0, r.limit - r.running), 0);
    const plan = planScaling({ machines: planned, backlog: snapshot.backlog, staticFreeSlots, reservedSlots }, scaling.policyAt(at), at);
    deps.metrics.machines(pool, planned.length);
    for (const id of plan.destroy) {
      await deps.provisioner.destroy(id);
      idleSince.delete(id);
      jobsRun.delete(id);
      deps.metrics.actions.inc({ pool, action: "destroy" });
    }
    const created: string[] = [];
    for (let i = 0; i < plan.create; i += 1) {
      created.push((await deps.provisioner.create(pool)).id);
      deps.metrics.actions.inc({ pool, action: "create" });
    }
    if (plan.create > 0 || plan.destroy.length > 0) {
      const reason = plan.reasons.join("; ");
      log.info({ pool, created, destroyed: plan.destroy, reasons: plan.reasons }, "pool scaled");
      event("autoscaler.scaled", pool, reason, { created: created.join(","), destroyed: plan.destroy.join(","), oldestWaitSeconds: snapshot.oldestWaitSeconds });
    }
    return { pool, acted: true, plan, orphansDestroyed, snapshot, reservedSlots };
  }

  async function tick(): Promise<PoolTick[]> {
    await beat();
    const results: PoolTick[] = [];
    for (const scaling of deps.pools) {
      try {
        results.push(await tickPool(scaling));
      } catch (err) {
        log.warn({ err: (err as Error).message, pool: scaling.pool }, "autoscaler pass failed; retrying next interval");
      }
    }
    return results;
  }

  let stopped = true;
  function schedule(delayMs: number): void {
    timer = setTimeout(() => {
      running = tick()
        .catch((err: unknown) => log.warn({ err: (err as Error).message }, "autoscaler tick failed"))
        .finally(() => { if (!stopped) schedule(deps.intervalMs); });
    }, delayMs);
  }

  return {
    tick,
    async recycle(runnerId, pool, reason) {
      const lease = leases.get(pool);
      if (!lease || !(await lease.ensure())) return false;
      const machine = await deps.provisioner.status(runnerId).catch(() => null);
      if (!machine || machine.pool !== pool || GONE.has(machine.state)) return false;
      await deps.provisioner.destroy(runnerId);
      deps.metrics.actions.inc({ pool, action: "recycle" });
      log.info({ runnerId, pool, reason }, "recycled a sick runner's machine");
      event("runner.recycled", pool, `machine ${runnerId} destroyed for recycling (${reason}); the autoscaler replaces it by policy`, { runnerId });
      return true;
    },
    noteJobFinished(runnerId) {
      jobsRun.set(runnerId, (jobsRun.get(runnerId) ?? 0) + 1);
    },
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
      log.info({ pools: deps.pools.map((p) => p.pool), owner: deps.owner }, "autoscaler started");
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
      for (const lease of leases.values()) await lease.release();
    },
  };
}
