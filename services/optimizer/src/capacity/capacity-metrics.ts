import { Counter, Gauge, type Registry } from "prom-client";
import type { PoolSnapshot } from "./pool-snapshot.js";

/** Per-pool capacity gauges and scaling counters. */
export interface CapacityMetrics {
  record(snapshot: PoolSnapshot, machines: number): void;
  readonly actions: Counter<"pool" | "action">;
}

/** Registers pool load, backlog and machine gauges on the agent's registry. */
export function createCapacityMetrics(registry: Registry): CapacityMetrics {
  const jobs = new Gauge({ name: "switchyard_pool_jobs_running", help: "Jobs running on the pool's runners", labelNames: ["pool"] as const, registers: [registry] });
  const limit = new Gauge({ name: "switchyard_pool_job_limit", help: "Sum of the pool's runner limits (-1 when any runner is unlimited)", labelNames: ["pool"] as const, registers: [registry] });
  const backlog = new Gauge({ name: "switchyard_pool_queue_depth", help: "Jobs waiting in the pool's queue per class", labelNames: ["pool", "job_class"] as const, registers: [registry] });
  const oldest = new Gauge({ name: "switchyard_pool_oldest_wait_seconds", help: "Wait of the oldest queued job in the pool", labelNames: ["pool"] as const, registers: [registry] });
  const machines = new Gauge({ name: "switchyard_pool_machines", help: "Provisioned machines in the pool", labelNames: ["pool"] as const, registers: [registry] });
  const actions = new Counter({ name: "switchyard_autoscaler_actions_total", help: "Machines created, destroyed, recycled or cleaned up as orphans", labelNames: ["pool", "action"] as const, registers: [registry] });
  return {
    actions,
    record(s, count) {
      jobs.set({ pool: s.pool }, s.jobsRunning);
      limit.set({ pool: s.pool }, s.jobLimit ?? -1);
      oldest.set({ pool: s.pool }, s.oldestWaitSeconds);
      machines.set({ pool: s.pool }, count);
      for (const b of s.backlog) backlog.set({ pool: s.pool, job_class: b.jobClass }, b.waiting);
    },
  };
}
