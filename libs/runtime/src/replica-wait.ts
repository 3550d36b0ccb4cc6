import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { initialiseSeries } from "./metric-series.js";

/**
 * Waiting for a replica after a write that must survive a failover (Redis WAIT).
 *
 * Redis replicates asynchronously: a write the primary acknowledged can be missing on the replica a
 * Sentinel promotes when the primary dies. `WAIT numreplicas timeout` blocks the calling connection
 * until `numreplicas` replicas acknowledged every write this connection made before it, or the timeout
 * passes, and answers how many did (https://redis.io/docs/latest/commands/wait/). What it does NOT do,
 * in Redis's own words there: it "does not make Redis a strongly consistent store"; a write that a
 * replica acknowledged can still be lost when Sentinel promotes another replica that did not, and a
 * timeout does not undo the write on the primary. So the answer is a signal to act on, not a guarantee
 * by itself: the caller, still holding what it wrote, checks the record on the (possibly new) primary
 * and writes it again when missing.
 *
 * WAIT is only issued while the primary has a connected replica (INFO replication, cached): a
 * single-node Redis would otherwise pay the whole timeout on every write and learn nothing.
 */
export type ReplicaWaitResult =
  /** A replica acknowledged the writes: they survive a failover to it. */
  | "acked"
  /** No replica acknowledged within the timeout (lagging replica, or a failover mid-wait). */
  | "timeout"
  /** WAIT itself failed (connection lost): nothing is known. */
  | "error"
  /** The primary has no connected replica: nothing to wait for (single node, or a promoted replica alone). */
  | "no-replica";

export const REPLICA_WAIT_RESULTS = ["acked", "timeout", "error"] as const;

export interface ReplicaSettle {
  result: ReplicaWaitResult;
  /**
   * The connection was re-established (a failover, a reconnect) since the write began: its reply may have
   * come from a primary that is gone, so whatever `result` says the record must be checked where writes go now.
   */
  reconnected: boolean;
  /** True when the write can be taken as durable without a check: acked, or no replica and no reconnect. */
  durable: boolean;
}

export interface ReplicaWait {
  /** The connection's generation; take it before a write and hand it to `settle` after. */
  epoch(): number;
  /** Waits (bounded) until a replica has every write this connection made; see ReplicaSettle. */
  settle(since: number): Promise<ReplicaSettle>;
}

export interface ReplicaWaitDeps {
  /** The connection the writes went through: WAIT counts that client's own writes only. */
  redis: Redis;
  /** WAIT's timeout; 0 turns waiting off (every settle answers durable). */
  timeoutMs: number;
  registry: Registry;
  log: Logger;
  /** How long a read of the replica count is trusted. */
  refreshMs?: number;
  now?: () => number;
}

/** `connected_slaves` of an INFO replication answer; 0 when absent. */
export function connectedReplicas(info: string): number {
  const m = /^connected_slaves:(\d+)/m.exec(info);
  return m ? Number(m[1]) : 0;
}

export function createReplicaWait(deps: ReplicaWaitDeps): ReplicaWait {
  const now = deps.now ?? Date.now;
  const refreshMs = deps.refreshMs ?? 5_000;
  const waits = new Counter({
    name: "switchyard_redis_replica_waits_total",
    help: "Redis WAITs for a replica after a write that must survive a failover: acked, timeout (no replica acknowledged within replicaWaitMs), error",
    labelNames: ["result"] as const, registers: [deps.registry],
  });
  initialiseSeries(waits, { result: REPLICA_WAIT_RESULTS });
  let epoch = 0;
  let replicas: { count: number; at: number } | null = null;
  let reading: Promise<number> | null = null;
  let warnedNoInfo = false;
  // Every (re)connect may be to another node (Sentinel names the primary anew): count it, and read the
  // replica count again before trusting it.
  deps.redis.on("ready", () => { epoch++; replicas = null; });
  deps.redis.on("close", () => { epoch++; });

  function readReplicas(): Promise<number> {
    reading ??= deps.redis.info("replication").then((info) => {
      replicas = { count: connectedReplicas(info), at: now() };
      return replicas.count;
    }, (err: Error) => {
      if (err.message.startsWith("NOPERM") && !warnedNoInfo) {
        warnedNoInfo = true;
        deps.log.warn({ err: err.message }, "the Redis user may not run INFO: replica waits off (grant +info, see redis-acl.ts)");
      }
      if (err.message.startsWith("NOPERM")) replicas = { count: 0, at: now() };
      throw err;
    }).finally(() => { reading = null; });
    return reading;
  }

  async function replicaCount(): Promise<number | null> {
    if (replicas && now() - replicas.at < refreshMs) return replicas.count;
    if (replicas) {
      // Stale but known: answer it now, refresh behind.
      const known = replicas.count;
      readReplicas().catch(() => undefined);
      return known;
    }
    return readReplicas().catch(() => null);
  }

  return {
    epoch: () => epoch,
    async settle(since) {
      if (deps.timeoutMs <= 0) return { result: "no-replica", reconnected: false, durable: true };
      const count = await replicaCount();
      // Unknown (INFO failed: the connection is likely down): the caller must check.
      if (count === null) {
        waits.inc({ result: "error" });
        return { result: "error", reconnected: true, durable: false };
      }
      if (count === 0) {
        const reconnected = epoch !== since;
        return { result: "no-replica", reconnected, durable: !reconnected };
      }
      let result: ReplicaWaitResult;
      try {
        result = (await deps.redis.wait(1, deps.timeoutMs)) >= 1 ? "acked" : "timeout";
      } catch {
        result = "error";
      }
      waits.inc({ result });
      // A replica that does not answer in time may be gone: look again before the next write.
      if (result !== "acked") replicas = null;
      const reconnected = epoch !== since;
      return { result, reconnected, durable: result === "acked" && !reconnected };
    },
  };
}
