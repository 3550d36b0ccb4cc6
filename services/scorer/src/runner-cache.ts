import { RunnerStateV1, contracts, type RunnerState } from "@switchyard/contracts";
import { createRecordReader, type Bus, type Logger, type RecordReader, type Redis } from "@switchyard/runtime";

/** The monitor's runner states, held locally so scoring never waits on Redis. */
export interface RunnerCache {
  get(runnerId: string): RunnerState | undefined;
  readonly size: number;
  /** Reloads from Redis now; rejects if Redis fails. */
  refresh(): Promise<void>;
  start(): Promise<void>;
  stop(): void;
}

export interface RunnerCacheDeps {
  redis: Redis;
  /** HASH runnerId → RunnerState JSON (keys.runners). */
  runnersKey: string;
  bus: Bus;
  log: Logger;
  refreshMs: number;
  onSize?: (size: number) => void;
  /** The agent's record reader (counted on /metrics); tests may leave it out. */
  records?: RecordReader;
}

/** A cache reloaded from Redis every `refreshMs` and updated at once from runner-state messages; newer `updatedAt` wins. */
export function createRunnerCache(deps: RunnerCacheDeps): RunnerCache {
  const log = deps.log.child({ component: "runner-cache" });
  let runners = new Map<string, RunnerState>();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let failing = false;
  const records = deps.records ?? createRecordReader(log);

  function put(state: RunnerState): void {
    const known = runners.get(state.runnerId);
    if (!known || known.updatedAt <= state.updatedAt) runners.set(state.runnerId, state);
  }

  async function refresh(): Promise<void> {
    const startedAt = Date.now();
    const raw = await deps.redis.hgetall(deps.runnersKey);
    const next = new Map<string, RunnerState>();
    for (const [runnerId, json] of Object.entries(raw)) {
      const state = records.json("runner.state", RunnerStateV1, json);
      if (state) next.set(runnerId, state);
    }
    // Keep states that arrived by message while we read, unless Redis has a newer one.
    for (const [runnerId, state] of runners) {
      const fromRedis = next.get(runnerId);
      if (fromRedis ? fromRedis.updatedAt < state.updatedAt : state.updatedAt >= startedAt) next.set(runnerId, state);
    }
    runners = next;
    deps.onSize?.(runners.size);
  }

  return {
    get: (runnerId) => runners.get(runnerId),
    get size() { return runners.size; },
    refresh,
    async start() {
      const sub = deps.bus.subscribe(contracts.runnerState, deps.bus.subjects.runnerStateAll, (state) => put(state));
      unsubscribe = () => sub.unsubscribe();
      await refresh().catch((err: unknown) => log.warn({ err: (err as Error).message }, "runner cache: first load failed; scoring with neutral views"));
      timer = setInterval(() => {
        refresh().then(() => {
          if (failing) log.info("runner cache: reload recovered");
          failing = false;
        }, (err: unknown) => {
          if (!failing) log.warn({ err: (err as Error).message }, "runner cache: reload failed; keeping the last states");
          failing = true;
        });
      }, deps.refreshMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      unsubscribe?.();
    },
  };
}
