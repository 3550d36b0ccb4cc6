import { initialiseSeries } from "@switchyard/runtime";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "pino";
import type { PoolSnapshot } from "./pool-snapshot.js";

/** What the autoscaler's provisioner did to a machine (`switchyard_autoscaler_actions_total{action}`). */
export const AUTOSCALER_ACTIONS = ["create", "destroy", "orphan", "recycle"] as const;

/** Per-pool capacity gauges (read at scrape time) and the autoscaler's machine gauge and counters. */
export interface CapacityMetrics {
  /** Sets the machines the provisioner runs in a pool, after an autoscaler pass. */
  machines(pool: string, count: number): void;
  /** Sets the warm reserve (slots held for urgent classes) of a pool, after an autoscaler pass. */
  warmReserve(pool: string, slots: number): void;
  readonly actions: Counter<"pool" | "action">;
}

export interface CapacityMetricsDeps {
  registry: Registry;
  /** Snapshots of every pool to report (configured ones and those runner states name), read from Redis. */
  readPools: () => Promise<PoolSnapshot[]>;
  /** Pools and job classes known up front: their series exist from the first scrape. */
  known: { pools: readonly string[]; autoscaledPools: readonly string[]; jobClasses: readonly string[] };
  log: Logger;
  /** A scrape waits at most this long for Redis; past it the last values stand. */
  readBudgetMs?: number;
}

/**
 * Registers the pool gauges. Jobs, limit, waiting and oldest wait are read from Redis when
 * Prometheus scrapes, for every pool whether or not it is autoscaled; one read serves all four.
 * A failed or slow read keeps the last values, so /metrics itself never fails because of Redis.
 */
export function createCapacityMetrics(deps: CapacityMetricsDeps): CapacityMetrics {
  const { registry, known } = deps;
  const budgetMs = deps.readBudgetMs ?? 1_000;
  const classes = new Set(known.jobClasses);
  let latest: PoolSnapshot[] = [];
  let reading: Promise<PoolSnapshot[]> | null = null;
  let failing = false;

  async function read(): Promise<PoolSnapshot[]> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), budgetMs); });
    try {
      const snapshots = await Promise.race([deps.readPools(), late]);
      if (snapshots === null) throw new Error(`no answer within ${budgetMs} ms`);
      latest = snapshots;
      if (failing) deps.log.info("pool capacity readable again");
      failing = false;
    } catch (err) {
      if (!failing) deps.log.warn({ err: (err as Error).message }, "pool capacity unreadable; /metrics keeps the last values");
      failing = true;
    } finally {
      clearTimeout(timer);
    }
    return latest;
  }
  // The four gauges' collect() run together on each scrape: they share one read.
  function current(): Promise<PoolSnapshot[]> {
    reading ??= read().finally(() => { reading = null; });
    return reading;
  }
  const gauge = <L extends "pool" | "job_class">(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: PoolSnapshot) => void) =>
    new Gauge<L>({
      name, help, labelNames, registers: [registry],
      async collect() {
        for (const snapshot of await current()) fill(this, snapshot);
      },
    });

  const jobs = gauge("switchyard_pool_jobs_running", "Jobs running on the pool's runners", ["pool"], (g, s) => g.set({ pool: s.pool }, s.jobsRunning));
  const limit = gauge("switchyard_pool_job_limit", "Sum of the pool's runner limits (-1 when any runner is unlimited)", ["pool"], (g, s) => g.set({ pool: s.pool }, s.jobLimit ?? -1));
  const oldest = gauge("switchyard_pool_oldest_wait_seconds", "Wait of the oldest queued job in the pool", ["pool"], (g, s) => g.set({ pool: s.pool }, s.oldestWaitSeconds));
  const waiting = gauge("switchyard_pool_queue_depth", "Jobs waiting in the pool's queue per class", ["pool", "job_class"], (g, s) => {
    const byClass = new Map(s.backlog.map((b) => [b.jobClass, b.waiting]));
    for (const jobClass of byClass.keys()) classes.add(jobClass);
    for (const jobClass of classes) g.set({ pool: s.pool, job_class: jobClass }, byClass.get(jobClass) ?? 0);
  });
  const machines = new Gauge({
    name: "switchyard_pool_machines", help: "Machines the optimizer's provisioner runs in the pool (0 for a pool it does not scale)",
    labelNames: ["pool"] as const, registers: [registry],
  });
  const reserve = new Gauge({
    name: "switchyard_pool_warm_reserve_slots", help: "Free slots of an autoscaled pool held for urgent classes (the warm reserve the dispatcher keeps)",
    labelNames: ["pool"] as const, registers: [registry],
  });
  const actions = new Counter({ name: "switchyard_autoscaler_actions_total", help: "Machines created, destroyed, recycled or cleaned up as orphans", labelNames: ["pool", "action"] as const, registers: [registry] });
  // Until the first read answers, the known pools show an empty pool rather than no data.
  const pools = [...new Set([...known.pools, ...known.autoscaledPools])];
  for (const g of [jobs, limit, oldest]) initialiseSeries(g, { pool: pools });
  initialiseSeries(waiting, { pool: pools, job_class: [...classes] });
  initialiseSeries(machines, { pool: pools });
  initialiseSeries(reserve, { pool: known.autoscaledPools });
  initialiseSeries(actions, { pool: known.autoscaledPools, action: AUTOSCALER_ACTIONS });
  return {
    actions,
    machines: (pool, count) => machines.set({ pool }, count),
    warmReserve: (pool, slots) => reserve.set({ pool }, slots),
  };
}
