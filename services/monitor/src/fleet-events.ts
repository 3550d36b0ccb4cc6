import { contracts, type FleetEvent } from "@switchyard/contracts";
import type { Bus, Logger } from "@switchyard/runtime";
import type { MonitorMetrics } from "./monitor-metrics.js";

/** Fleet event kinds the monitor publishes, as `subjects.event(kind)`. */
export const MonitorEventKind = {
  draining: "runner.draining",
  undrained: "runner.undrained",
  unhealthy: "runner.unhealthy",
  healthy: "runner.healthy",
  expired: "runner.expired",
  recycling: "runner.recycling",
  recycled: "runner.recycled",
  recycleDeferred: "runner.recycle-deferred",
  /** Asks whoever provisions the host (the optimizer) to destroy it; the autoscaler replaces it. */
  recycleRequested: "runner.recycle-requested",
  fifoFallbackEngaged: "fifo.fallback-engaged",
  fifoFallbackReleased: "fifo.fallback-released",
} as const;
export type MonitorEventKind = (typeof MonitorEventKind)[keyof typeof MonitorEventKind];

/** Publishes FleetEventV1 on `subjects.event(kind)`; a publish failure is logged, never thrown. */
export type EmitEvent = (kind: MonitorEventKind, event: { runnerId?: string | null; pool?: string | null; reason: string; details?: FleetEvent["details"] }) => void;

export function createEventEmitter(deps: { bus: Bus; log: Logger; metrics: MonitorMetrics; now: () => number }): EmitEvent {
  return (kind, event) => {
    const payload: FleetEvent = {
      v: 1, kind, runnerId: event.runnerId ?? null, pool: event.pool ?? null,
      reason: event.reason.slice(0, 1000), details: event.details ?? {}, at: deps.now(),
    };
    try {
      deps.bus.publish(contracts.fleetEvent, deps.bus.subjects.event(kind), payload);
      deps.metrics.events.inc({ kind });
      deps.log.info({ kind, runnerId: payload.runnerId, pool: payload.pool }, payload.reason);
    } catch (err) {
      deps.log.error({ kind, err: (err as Error).message }, "fleet event publish failed");
    }
  };
}

/** "72.0%" */
export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}
