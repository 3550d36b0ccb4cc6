import { GITLAB_RUNNER_18_FEATURES } from "@switchyard/contracts";
import type { Logger, RegisteredRunner, RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import type { RunnerFeatures } from "./gitlab-runner-api.js";

/**
 * Features Switchyard can never honour upstream, whatever its runners have: it polls GitLab for the whole
 * pool, so it sends no `session` (no web terminal: the runner that will run the job is not known yet),
 * and it takes a job as `running` at once, so it must not offer GitLab's two-phase commit (which would
 * re-queue a job not acknowledged within 2 minutes, Gitlab::Ci::Build::RunnerAckQueue).
 */
export const NEVER_UPSTREAM: Readonly<RunnerFeatures> = Object.freeze({ session: false, terminal: false, two_phase_job_commit: false });

/** What to advertise for a pool before any of its runners has polled: gitlab-runner 18.x's own set. */
export const DEFAULT_POOL_FEATURES: Readonly<RunnerFeatures> = Object.freeze({ ...GITLAB_RUNNER_18_FEATURES, ...NEVER_UPSTREAM });

/** One runner's features as last seen in its poll. */
interface Sighting { features: RunnerFeatures; at: number }

/**
 * The `info.features` a pool advertises on its upstream jobs/request. GitLab fails a job as
 * `runner_unsupported` when the asking runner lacks a feature the job needs (RegisterJobService
 * `pre_assign_runner_checks`), and the job then runs on one of the pool's runners: so a feature is
 * advertised only when every runner of the pool seen recently sent it. Learned from the runners' own
 * polls and kept in Redis so replicas and restarts agree; a configured set overrides the learning.
 */
export interface PoolFeatures {
  /** A runner of `runner.pool` polled with these `info.features` (anything else is ignored). */
  observe(runner: RegisteredRunner, features: unknown): void;
  /** The feature set to send upstream for `pool` now. */
  advertised(pool: string): RunnerFeatures;
  /** Reloads what every replica learned. */
  refresh(): Promise<void>;
  stop(): void;
}

export interface PoolFeaturesDeps {
  redis: Redis;
  keys: RedisKeys;
  pools: readonly { name: string; features?: RunnerFeatures | undefined }[];
  log: Logger;
  /** A runner not seen polling for this long no longer narrows its pool's set. */
  memoryMs: number;
  refreshMs?: number;
  now?: () => number;
}

/** Booleans only: GitLab's params are booleans, and anything else is not a feature claim. */
function featuresOf(value: unknown): RunnerFeatures | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const out: RunnerFeatures = {};
  for (const [key, on] of Object.entries(value)) if (typeof on === "boolean" && key.length <= 64) out[key] = on;
  return out;
}

/** A feature is on when every runner has it on; a feature some runner does not mention is off. */
export function intersectFeatures(sets: readonly RunnerFeatures[]): RunnerFeatures {
  const names = new Set(sets.flatMap((s) => Object.keys(s)));
  const out: RunnerFeatures = {};
  for (const name of [...names].sort()) out[name] = sets.every((s) => s[name] === true);
  return out;
}

const sameFeatures = (a: RunnerFeatures, b: RunnerFeatures) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export function createPoolFeatures(deps: PoolFeaturesDeps): PoolFeatures {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "pool-features" });
  const overrides = new Map(deps.pools.flatMap((p) => (p.features ? [[p.name, { ...p.features, ...NEVER_UPSTREAM }] as const] : [])));
  const seen = new Map<string, Map<string, Sighting>>(deps.pools.map((p) => [p.name, new Map()]));
  const last = new Map<string, RunnerFeatures>();
  /**
   * The advertised set per pool, recomputed only when a sighting changed or the earliest one ages out:
   * every upstream jobs/request asks, and intersecting 500 runners' sets each time cost the assigner 12%
   * of its CPU under the bench.
   */
  const cached = new Map<string, { set: RunnerFeatures; until: number }>();
  const changed = new Set<string>();
  /** Rewrite a sighting at least this often, so replicas see the runner as recent. */
  const rewriteMs = Math.max(1_000, Math.floor(deps.memoryMs / 4));

  function advertised(pool: string): RunnerFeatures {
    const override = overrides.get(pool);
    if (override) return override;
    const at = now();
    const hit = cached.get(pool);
    if (hit && !changed.has(pool) && at <= hit.until) return hit.set;
    const sightings = [...(seen.get(pool)?.values() ?? [])].filter((s) => at - s.at <= deps.memoryMs);
    const recent = sightings.map((s) => s.features);
    const set = recent.length === 0 ? { ...DEFAULT_POOL_FEATURES } : { ...intersectFeatures(recent), ...NEVER_UPSTREAM };
    // Valid until the oldest recent sighting stops narrowing the set.
    cached.set(pool, { set, until: sightings.reduce((until, s) => Math.min(until, s.at + deps.memoryMs), Infinity) });
    changed.delete(pool);
    const before = last.get(pool);
    if (!before || !sameFeatures(before, set)) {
      last.set(pool, set);
      const off = Object.entries(set).filter(([, on]) => !on).map(([name]) => name);
      log.info({ pool, runners: recent.length, off }, recent.length === 0 ? "advertising gitlab-runner 18.x features upstream (no runner seen yet)" : "advertising the features every runner of the pool sent");
    }
    return set;
  }

  async function refresh(): Promise<void> {
    for (const pool of seen.keys()) {
      const stored = await deps.redis.hgetall(deps.keys.runnerFeatures(pool));
      const mine = seen.get(pool)!;
      for (const [runnerId, raw] of Object.entries(stored)) {
        let parsed: Sighting | null = null;
        try {
          const json = JSON.parse(raw) as { features?: unknown; at?: unknown };
          const features = featuresOf(json.features);
          if (features && typeof json.at === "number") parsed = { features, at: json.at };
        } catch { /* a bad entry narrows nothing */ }
        const local = mine.get(runnerId);
        if (parsed && (!local || parsed.at > local.at)) {
          mine.set(runnerId, parsed);
          changed.add(pool);
        }
      }
    }
  }

  const timer = setInterval(() => {
    refresh().catch((err: unknown) => log.warn({ err: (err as Error).message }, "pool features unavailable from Redis; using what this replica saw"));
  }, deps.refreshMs ?? 10_000);
  timer.unref();

  return {
    observe(runner, value) {
      const features = featuresOf(value);
      const pool = seen.get(runner.pool);
      if (!features || !pool) return;
      const previous = pool.get(runner.id);
      if (previous && sameFeatures(previous.features, features) && now() - previous.at < rewriteMs) return;
      const sighting = { features, at: now() };
      pool.set(runner.id, sighting);
      // A new runner or new features change the set now; a mere re-sighting only extends its life.
      if (!previous || !sameFeatures(previous.features, features)) changed.add(runner.pool);
      if (!previous || !sameFeatures(previous.features, features)) log.info({ runner: runner.id, pool: runner.pool }, "runner features learned");
      void deps.redis.hset(deps.keys.runnerFeatures(runner.pool), runner.id, JSON.stringify(sighting))
        .catch((err: unknown) => log.warn({ err: (err as Error).message, runner: runner.id }, "storing runner features failed"));
    },
    advertised,
    refresh,
    stop: () => clearInterval(timer),
  };
}
