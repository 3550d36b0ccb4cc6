import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";

/**
 * Keeps a long-lived ioredis client from ending for good behind Switchyard's back.
 *
 * ioredis retries a dropped connection with `retryStrategy`, but a few paths skip it and set the client's
 * status to "end", after which every command fails at once with "Connection is closed." and nothing
 * reconnects (Redis.js `_connect`: a connector that rejects ends the client). The one met here (issue 13,
 * 1 fault-test run in 23): with `failoverDetector` on, the detector the SentinelConnector created for a
 * connection stays subscribed to `+switch-master` after that connection died, since ioredis 5 cleans it up
 * only when the next connection opens. When the Sentinels switch while the client is reconnecting and
 * waiting for a Sentinel's answer, that stale detector disconnects the connector, and the connect in
 * progress then throws "Connection is closed." (SentinelConnector `connectToNext`, `!this.connecting`).
 * Upstream ties the detector's cleanup to its connection's close (redis/ioredis PR #2198); until the
 * version in use does, both layers below are Switchyard's.
 */

/** What a client's owner sees of its revivals. */
export interface RedisRevival {
  /** Stops reviving (the caller closes the client itself). */
  stop(): void;
}

interface SentinelConnectorInternals {
  /** ioredis 5 SentinelConnector's detector of the connection last opened; absent without Sentinels. */
  failoverDetector?: { cleanup(): void } | null;
}

/**
 * Prevention: when a connection closes, its failover detector has nothing left to guard (it exists to drop
 * a live connection to a primary that was switched away from); let it go at once, so a `+switch-master`
 * during the reconnect cannot abort it. The next connection gets a new detector as it opens. Reaches into
 * ioredis's connector, checked by shape: if a later version moves it, this does nothing and the revival
 * below still brings the client back.
 */
export function dropStaleFailoverDetector(redis: Redis): void {
  redis.on("close", () => {
    const connector = (redis as unknown as { connector?: SentinelConnectorInternals }).connector;
    connector?.failoverDetector?.cleanup();
  });
}

export interface ReviveDeps {
  log: Logger;
  registry?: Registry;
  /** The wait before reconnect attempt `n` (1, 2, ...) of one episode. */
  delayMs?: (attempt: number) => number;
}

/**
 * Guard: a client that reaches "end" without its owner's `quit()` or `disconnect()` is connected again
 * (the same object, so every holder and listener keeps working), with a growing delay, counted in
 * `switchyard_redis_client_revivals_total` and logged once per episode. Meanwhile its status is not
 * "ready", so /readyz answers 503 (agent.ts). Commands queued when it ended fail with "Connection is closed."
 * once, like on any dropped connection; their callers retry.
 */
export function reviveWhenEnded(redis: Redis, deps: ReviveDeps): RedisRevival {
  const delayMs = deps.delayMs ?? ((attempt: number) => Math.min(attempt * 100, 2_000));
  const revivals = new Counter({
    name: "switchyard_redis_client_revivals_total",
    help: "Times the Redis client ended by itself (ioredis gave up reconnecting) and was connected again",
    registers: deps.registry ? [deps.registry] : [],
  });
  let stopped = false;
  let attempt = 0;
  let lastError = "";
  let timer: NodeJS.Timeout | null = null;
  // ioredis says no more than "end" either way: remember when the owner asked for it. Internal reconnects
  // call disconnect(true), which is not a close.
  const disconnect = redis.disconnect.bind(redis);
  const quit = redis.quit.bind(redis);
  redis.disconnect = (reconnect = false) => { if (!reconnect) stop(); disconnect(reconnect); };
  redis.quit = ((callback?: Parameters<Redis["quit"]>[0]) => { stop(); return quit(callback); }) as Redis["quit"];

  function stop(): void {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  redis.on("error", (err: Error) => { lastError = err.message; });
  redis.on("ready", () => {
    if (attempt > 0) deps.log.info({ attempts: attempt }, "redis client connected again after it had ended");
    attempt = 0;
  });
  redis.on("end", () => {
    if (stopped || timer) return;
    attempt++;
    revivals.inc();
    if (attempt === 1) deps.log.warn({ err: lastError }, "redis client ended by itself (ioredis gave up reconnecting): connecting it again");
    timer = setTimeout(() => {
      timer = null;
      // A failed attempt ends the client again, which schedules the next one.
      if (!stopped && redis.status === "end") redis.connect().catch(() => undefined);
    }, delayMs(attempt));
    timer.unref();
  });
  return { stop };
}
