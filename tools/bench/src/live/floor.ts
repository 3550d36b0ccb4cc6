import type { Redis } from "ioredis";
import type { NatsConnection } from "@switchyard/runtime";
import { latencyStats, type LatencyStats } from "./latency-stats.js";

/** What one hop costs on this machine right now, measured beside the run: the floor under every figure. */
export interface Floor {
  /** NATS request/reply with a scored-job-sized payload (~12 KB each way), ms. */
  natsRequestMs: LatencyStats;
  /** One Redis EVALSHA of a small script touching one key, ms. */
  redisEvalMs: LatencyStats;
  /** The rule path's least possible latency: one NATS request/reply plus two Redis round trips (p50, p99 sums). */
  shortChainMs: { p50: number | null; p99: number | null };
  payloadBytes: number;
  samples: number;
}

export interface FloorDeps {
  nc: NatsConnection;
  redis: Redis;
  /** Subject to echo on (one `nc` may both publish and subscribe to it) and a key of the run's prefix (removed after). */
  subject: string;
  key: string;
  samples?: number;
  payloadBytes?: number;
}

const ECHO_SCRIPT = "redis.call('HSET', KEYS[1], 'f', ARGV[1]) return redis.call('HGET', KEYS[1], 'f')";

/** Measures NATS request/reply and Redis EVALSHA round trips, one at a time (latency, not throughput). */
export async function measureFloor(deps: FloorDeps): Promise<Floor> {
  const samples = deps.samples ?? 300;
  const payloadBytes = deps.payloadBytes ?? 12_000;
  const { subject, key } = deps;
  const payload = new TextEncoder().encode("x".repeat(payloadBytes));
  const sub = deps.nc.subscribe(subject, { callback: (err, msg) => { if (!err) msg.respond(payload); } });
  const nats: number[] = [];
  const redis: number[] = [];
  try {
    await deps.nc.flush();
    const sha = (await deps.redis.script("LOAD", ECHO_SCRIPT)) as string;
    for (let i = 0; i < samples; i++) {
      const a = performance.now();
      await deps.nc.request(subject, payload, { timeout: 5_000 });
      const b = performance.now();
      await deps.redis.evalsha(sha, 1, key, String(i));
      const c = performance.now();
      nats.push(b - a);
      redis.push(c - b);
    }
  } finally {
    sub.unsubscribe();
    await deps.redis.del(key);
  }
  const natsRequestMs = latencyStats(nats);
  const redisEvalMs = latencyStats(redis);
  const sum = (x: number | null, y: number | null) => (x === null || y === null ? null : Math.round((x + 2 * y) * 100) / 100);
  return {
    natsRequestMs, redisEvalMs, payloadBytes, samples,
    shortChainMs: { p50: sum(natsRequestMs.p50, redisEvalMs.p50), p99: sum(natsRequestMs.p99, redisEvalMs.p99) },
  };
}
