import { contracts } from "@switchyard/contracts";
import type { GitLabFleetApi } from "@switchyard/gitlab-client";
import type { Bus, Logger } from "@switchyard/runtime";
import type { FailureStreaks } from "./failure-streaks.js";
import { MonitorEventKind, type EmitEvent } from "./fleet-events.js";

/** Who is dispatching: Switchyard's assigner, or GitLab's FIFO through the direct runners. */
export type DispatchMode = "unknown" | "switchyard" | "fifo";

/**
 * Watches the assigner's heartbeats; when none arrives for `thresholdMs`, unpauses the
 * directly registered runners so GitLab's own FIFO keeps jobs moving, and pauses them again
 * once the assigner is back.
 */
export interface FifoWatchdog {
  start(): void;
  stop(): Promise<void>;
  mode(): DispatchMode;
}

export interface FifoWatchdogDeps {
  bus: Bus;
  gitlab: GitLabFleetApi;
  directRunnerIds: readonly number[];
  thresholdMs: number;
  emit: EmitEvent;
  streaks: FailureStreaks;
  log: Logger;
  now?: () => number;
  checkEveryMs?: number;
}

export function createFifoWatchdog(deps: FifoWatchdogDeps): FifoWatchdog {
  const log = deps.log.child({ component: "fifo-watchdog" });
  const now = deps.now ?? Date.now;
  let mode: DispatchMode = "unknown";
  let lastBeat: number | null = null;
  let startedAt = now();
  let busy: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  /** Pauses or unpauses every direct runner; true only if all calls succeeded. */
  async function setAll(paused: boolean): Promise<boolean> {
    const results = await Promise.allSettled(deps.directRunnerIds.map((id) => deps.gitlab.setPaused(id, paused)));
    const failed = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
    if (failed.length > 0) {
      // A failed call may still have been applied (a slow answer under load): the runners' state is
      // now unknown, so the next check applies whichever mode is right instead of trusting the old one.
      mode = "unknown";
      deps.streaks.fail("direct runner pause", failed[0]!, { failed: failed.length });
      return false;
    }
    deps.streaks.ok("direct runner pause");
    return true;
  }

  async function toFifo(silentMs: number): Promise<void> {
    if (!(await setAll(false))) return;
    mode = "fifo";
    deps.emit(MonitorEventKind.fifoFallbackEngaged, {
      reason: `no assigner heartbeat for ${silentMs} ms (threshold ${deps.thresholdMs} ms): ${deps.directRunnerIds.length} direct runner(s) unpaused, GitLab FIFO dispatches`,
      details: { silentMs, thresholdMs: deps.thresholdMs, directRunners: deps.directRunnerIds.join(",") },
    });
  }

  async function toSwitchyard(): Promise<void> {
    const was = mode;
    if (!(await setAll(true))) return;
    mode = "switchyard";
    if (was === "fifo") {
      deps.emit(MonitorEventKind.fifoFallbackReleased, {
        reason: `assigner heartbeats are back: ${deps.directRunnerIds.length} direct runner(s) paused again`,
        details: { directRunners: deps.directRunnerIds.join(",") },
      });
    } else {
      log.info({ directRunners: deps.directRunnerIds.length }, "assigner alive: direct runners kept paused");
    }
  }

  /** Runs one transition at a time; a failed one is retried on the next check. */
  function evaluate(): void {
    if (busy) return;
    const silentMs = now() - (lastBeat ?? startedAt);
    const alive = lastBeat !== null && silentMs <= deps.thresholdMs;
    let step: Promise<void> | null = null;
    if (alive && mode !== "switchyard") step = toSwitchyard();
    else if (!alive && silentMs > deps.thresholdMs && mode !== "fifo") step = toFifo(silentMs);
    if (step) busy = step.catch((err: unknown) => log.error({ err: (err as Error).message }, "watchdog step failed")).finally(() => { busy = null; });
  }

  return {
    start() {
      // Restartable (monitor lease): while another replica led, the runners' pause state may have changed.
      startedAt = now();
      mode = "unknown";
      lastBeat = null;
      const sub = deps.bus.subscribe(contracts.heartbeat, deps.bus.subjects.heartbeat("assigner"), (beat) => {
        if (!beat.ready) return;
        lastBeat = now();
        evaluate();
      });
      unsubscribe = () => sub.unsubscribe();
      timer = setInterval(evaluate, deps.checkEveryMs ?? Math.max(50, Math.min(1_000, Math.floor(deps.thresholdMs / 4))));
    },
    async stop() {
      clearInterval(timer);
      unsubscribe?.();
      await busy;
    },
    mode: () => mode,
  };
}
