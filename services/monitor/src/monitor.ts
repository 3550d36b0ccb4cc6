import { contracts, type RunnerState } from "@switchyard/contracts";
import type { Bus, Logger } from "@switchyard/runtime";
import type { FleetRunner } from "./config.js";
import type { FailureStreaks } from "./failure-streaks.js";
import { MonitorEventKind, percent, type EmitEvent } from "./fleet-events.js";
import type { FleetReader } from "./fleet-reader.js";
import type { MonitorMetrics } from "./monitor-metrics.js";
import type { Recycler } from "./recycler.js";
import { buildRunnerState, stateChanged } from "./runner-state.js";
import type { RunnerStateStore } from "./runner-state-store.js";

/** The fleet-state policy the monitor applies each poll. */
export interface MonitorSettings {
  fleet: readonly FleetRunner[];
  pollIntervalMs: number;
  diskThreshold: number;
  staleAfterMs: number;
  /** How long the broker's last sighting of a runner vouches for it. */
  brokerContactTimeoutMs?: number;
}

export interface MonitorDeps {
  settings: MonitorSettings;
  reader: FleetReader;
  store: RunnerStateStore;
  bus: Bus;
  emit: EmitEvent;
  metrics: MonitorMetrics;
  streaks: FailureStreaks;
  log: Logger;
  recycler?: Recycler | null;
  now?: () => number;
}

/** What one poll did. */
export interface PollSummary {
  published: string[];
  expired: string[];
  states: RunnerState[];
}

/** Polls the fleet, keeps Redis fleet state current, publishes changes and fleet events. */
export interface Monitor {
  /** Reads the fleet once and applies the result; never throws for a dependency failure. */
  pollOnce(): Promise<PollSummary>;
  /** Loads stored state, then polls every `pollIntervalMs` (polls never overlap); may follow a stop(). */
  start(): Promise<void>;
  /** Stops polling and waits for a running poll to finish. */
  stop(): Promise<void>;
  /** The latest state per runner (expired runners are absent). */
  states(): ReadonlyMap<string, RunnerState>;
}

/** Builds the monitor; `src/main.ts` wires it, tests drive `pollOnce()` directly. */
export function createMonitor(deps: MonitorDeps): Monitor {
  const { settings, store, bus, emit, metrics, streaks } = deps;
  const log = deps.log.child({ component: "monitor" });
  const now = deps.now ?? Date.now;
  const current = new Map<string, RunnerState>();
  const published = new Map<string, RunnerState>();
  const startedAt = now();
  const lastGoodAt = new Map<string, number>();
  const expired = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  function transitions(previous: RunnerState | null, next: RunnerState): void {
    const base = { runnerId: next.runnerId, pool: next.pool };
    if (next.draining && !previous?.draining && next.diskUsedRatio !== null) {
      emit(MonitorEventKind.draining, {
        ...base,
        reason: `disk ${percent(next.diskUsedRatio)} used > threshold ${percent(settings.diskThreshold)}: runner ${next.runnerId} drains (running ${next.running})`,
        details: { diskUsedRatio: next.diskUsedRatio, threshold: settings.diskThreshold, running: next.running },
      });
    } else if (previous?.draining && !next.draining) {
      emit(MonitorEventKind.undrained, { ...base, reason: `disk ${next.diskUsedRatio === null ? "unknown" : percent(next.diskUsedRatio)} used, back under ${percent(settings.diskThreshold)}`, details: { diskUsedRatio: next.diskUsedRatio } });
    }
    if (previous?.healthy !== false && !next.healthy) {
      emit(MonitorEventKind.unhealthy, { ...base, reason: `runner ${next.runnerId} is unhealthy (status ${next.status})`, details: { status: next.status } });
    } else if (previous && !previous.healthy && next.healthy) {
      emit(MonitorEventKind.healthy, { ...base, reason: `runner ${next.runnerId} is healthy again`, details: { status: next.status } });
    }
  }

  async function apply(runner: FleetRunner, state: RunnerState, goodRead: boolean, summary: PollSummary): Promise<void> {
    const t = now();
    if (goodRead) {
      lastGoodAt.set(runner.id, t);
      expired.delete(runner.id);
    } else if (t - (lastGoodAt.get(runner.id) ?? startedAt) >= settings.staleAfterMs) {
      if (expired.has(runner.id)) return;
      await store.remove(runner.id);
      expired.add(runner.id);
      current.delete(runner.id);
      published.delete(runner.id);
      summary.expired.push(runner.id);
      emit(MonitorEventKind.expired, {
        runnerId: runner.id, pool: runner.pool,
        reason: `no good read of runner ${runner.id} for ${settings.staleAfterMs} ms: removed from fleet state`,
        details: { staleAfterMs: settings.staleAfterMs },
      });
      return;
    }
    const previous = current.get(runner.id) ?? null;
    await store.save(state);
    current.set(runner.id, state);
    summary.states.push(state);
    if (stateChanged(published.get(runner.id) ?? null, state)) {
      try {
        bus.publish(contracts.runnerState, bus.subjects.runnerState(runner.id), state);
        published.set(runner.id, state);
        metrics.statesPublished.inc();
        summary.published.push(runner.id);
        streaks.ok("state publish");
      } catch (err) {
        // Not recorded as published, so the next poll tries again.
        streaks.fail("state publish", (err as Error).message);
      }
    }
    transitions(previous, state);
  }

  function updateGauges(): void {
    const counts = { healthy: 0, unhealthy: 0, draining: 0, paused: 0, expired: expired.size };
    for (const s of current.values()) {
      counts[s.healthy ? "healthy" : "unhealthy"]++;
      if (s.draining) counts.draining++;
      if (s.paused) counts.paused++;
    }
    for (const [state, n] of Object.entries(counts)) metrics.runners.set({ state }, n);
  }

  async function pollOnce(): Promise<PollSummary> {
    const endTimer = metrics.pollDuration.startTimer();
    const summary: PollSummary = { published: [], expired: [], states: [] };
    const observations = await deps.reader.read(settings.fleet);
    let storeFailed = false;
    for (const obs of observations) {
      const { state, goodRead } = buildRunnerState(obs, current.get(obs.runner.id) ?? null, settings.diskThreshold, now(), settings.brokerContactTimeoutMs);
      try {
        await apply(obs.runner, state, goodRead, summary);
      } catch (err) {
        storeFailed = true;
        streaks.fail("fleet state store", (err as Error).message);
      }
    }
    if (!storeFailed) streaks.ok("fleet state store");
    updateGauges();
    if (deps.recycler) await deps.recycler.review([...current.values()]).catch((err: unknown) => log.error({ err: (err as Error).message }, "recycling review failed"));
    endTimer();
    return summary;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pollOnce().catch((err: unknown) => log.error({ err: (err as Error).message }, "poll failed")).finally(schedule);
    }, settings.pollIntervalMs);
  }

  return {
    pollOnce,
    async start() {
      // Restartable: a replica that lost the monitor lease stops, and starts again when it wins it back.
      stopped = false;
      const fleetIds = new Set(settings.fleet.map((r) => r.id));
      for (const [runnerId, state] of await store.loadAll()) {
        if (fleetIds.has(runnerId)) {
          current.set(runnerId, state);
          published.set(runnerId, state);
        }
        else await store.remove(runnerId);
      }
      running = pollOnce().catch((err: unknown) => log.error({ err: (err as Error).message }, "poll failed")).finally(schedule);
      await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    states: () => current,
  };
}
