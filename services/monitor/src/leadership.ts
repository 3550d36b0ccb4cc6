import type { Lease, Logger } from "@switchyard/runtime";

/** The work only one monitor replica may do at a time (poll GitLab, run the FIFO watchdog). */
export interface LeaderDuties {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export interface LeadershipDeps {
  lease: Lease;
  ttlMs: number;
  duties: LeaderDuties;
  log: Logger;
  /** 1 while this replica leads, else 0. */
  onChange?: (leading: boolean) => void;
  now?: () => number;
}

/** Holds a Redis lease and runs the leader's duties while it does. */
export interface Leadership {
  /** Tries for the lease at once, then renews or retries every third of its TTL. */
  start(): Promise<void>;
  /** Stops the duties and releases the lease, so a standby takes over without waiting for the TTL. */
  stop(): Promise<void>;
  leading(): boolean;
}

/**
 * Exactly one monitor replica polls GitLab and runs the watchdog: the one holding the lease. A
 * holder that cannot renew (Redis unreachable) steps down once its lease would have expired, since
 * another replica may hold it by then; a replica that dies simply stops renewing and a standby takes
 * over within one TTL.
 */
export function createLeadership(deps: LeadershipDeps): Leadership {
  const log = deps.log.child({ component: "leadership" });
  const now = deps.now ?? Date.now;
  let leading = false;
  let renewedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let step: Promise<void> = Promise.resolve();
  let stopped = false;

  async function become(next: boolean, why: string): Promise<void> {
    if (next === leading) return;
    leading = next;
    deps.onChange?.(next);
    if (next) {
      log.info({ lease: deps.lease.key, why }, "lease acquired: polling GitLab and running the FIFO watchdog here");
      await deps.duties.start();
    } else {
      log.warn({ lease: deps.lease.key, why }, "lease lost: standing by");
      await deps.duties.stop();
    }
  }

  async function check(): Promise<void> {
    try {
      const held = await deps.lease.ensure();
      if (held) renewedAt = now();
      await become(held, held ? "acquired" : "held by another replica");
    } catch (err) {
      if (leading && now() - renewedAt >= deps.ttlMs) await become(false, `could not renew for ${deps.ttlMs} ms: ${(err as Error).message}`);
    }
  }

  const tick = () => {
    if (stopped) return;
    step = step.then(check).catch((err: unknown) => log.error({ err: (err as Error).message }, "leadership step failed"));
  };

  return {
    async start() {
      log.info({ lease: deps.lease.key, ttlMs: deps.ttlMs }, "standing by for the monitor lease");
      tick();
      await step;
      timer = setInterval(tick, Math.max(50, Math.floor(deps.ttlMs / 3)));
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await step;
      if (leading) {
        await become(false, "shutting down");
        await deps.lease.release().catch(() => undefined);
      }
    },
    leading: () => leading,
  };
}
