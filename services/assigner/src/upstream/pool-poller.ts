import type { Logger } from "@switchyard/runtime";
import type { Counter } from "prom-client";
import type { DispatchQueue } from "../queue/dispatch-queue.js";
import type { Signal } from "../signal.js";
import type { GitLabRunnerApi, RunnerFeatures } from "./gitlab-runner-api.js";
import type { Intake } from "./intake.js";

/** One pool's upstream registration: how Switchyard appears to GitLab. */
export interface PoolRegistration {
  name: string;
  upstreamToken: string;
  lookahead: number;
  features: RunnerFeatures;
}

export interface PoolPollerDeps {
  pool: PoolRegistration;
  api: GitLabRunnerApi;
  queue: DispatchQueue;
  intake: Intake;
  /** Free downstream slots of the pool right now (runners asking for work). */
  freeSlots: () => Promise<number>;
  /** Notified when slots may have opened; the poller waits on it while the pool is full. */
  capacity: Signal;
  /** Notified after a job was taken, so the dispatcher runs. */
  jobArrived: (pool: string) => void;
  systemId: string;
  concurrency: number;
  log: Logger;
  pulled: Counter<"pool" | "result">;
}

/**
 * Pulls jobs from GitLab for one pool, only while held jobs stay below free slots plus
 * the look-ahead: everything pulled is `running` in GitLab, so hoarding has a cost.
 */
export function startPoolPoller(deps: PoolPollerDeps): { stop(): Promise<void> } {
  const log = deps.log.child({ pool: deps.pool.name });
  const abort = new AbortController();
  let lastUpdate: string | null = null;
  let stopped = false;

  async function underBudget(): Promise<boolean> {
    const [held, free] = await Promise.all([deps.queue.heldCount(deps.pool.name), deps.freeSlots()]);
    return held < free + deps.pool.lookahead;
  }

  async function loop(worker: number): Promise<void> {
    let backoffMs = 0;
    while (!stopped) {
      try {
        if (backoffMs > 0) { await deps.capacity.wait(backoffMs); if (stopped) return; }
        if (!(await underBudget())) { await deps.capacity.wait(1_000); continue; }
        const result = await deps.api.requestJob(deps.pool.upstreamToken, deps.systemId, lastUpdate, deps.pool.features, abort.signal);
        switch (result.kind) {
          case "job": {
            lastUpdate = result.lastUpdate ?? lastUpdate;
            deps.pulled.inc({ pool: deps.pool.name, result: "job" });
            const meta = await deps.intake(deps.pool.name, result.body);
            if (meta) deps.jobArrived(deps.pool.name);
            backoffMs = 0;
            break;
          }
          case "empty":
            lastUpdate = result.lastUpdate ?? lastUpdate;
            deps.pulled.inc({ pool: deps.pool.name, result: "empty" });
            backoffMs = 0;
            break;
          case "forbidden":
            deps.pulled.inc({ pool: deps.pool.name, result: "forbidden" });
            log.error("GitLab refused the pool's runner token (403); check upstreamToken");
            backoffMs = 30_000;
            break;
          case "retry":
            deps.pulled.inc({ pool: deps.pool.name, result: `http_${result.status}` });
            // 409 is a benign race in GitLab's queue; 503 and the rest mean back off.
            backoffMs = result.status === 409 ? 0 : nextBackoff(backoffMs);
            break;
        }
      } catch (err) {
        if (stopped) return;
        deps.pulled.inc({ pool: deps.pool.name, result: "error" });
        if (backoffMs === 0) log.warn({ err: (err as Error).message, worker }, "upstream poll failed; backing off");
        backoffMs = nextBackoff(backoffMs);
      }
    }
  }

  const loops = Array.from({ length: Math.max(1, deps.concurrency) }, (_, i) => loop(i));
  return {
    async stop() {
      stopped = true;
      abort.abort();
      deps.capacity.notify();
      await Promise.allSettled(loops);
    },
  };
}

function nextBackoff(current: number): number {
  return Math.min(Math.max(current * 2, 250), 15_000);
}
