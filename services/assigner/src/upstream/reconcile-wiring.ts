import { createGitLabClient } from "@switchyard/gitlab-client";
import type { AgentRuntime } from "@switchyard/runtime";
import { createLease, redisKeys } from "@switchyard/runtime";
import type { Counter } from "prom-client";
import type { AssignerConfig } from "../config.js";
import type { Handoffs } from "../queue/handoffs.js";
import type { HeldJobs } from "../queue/held-jobs.js";
import type { GitLabRunnerApi } from "./gitlab-runner-api.js";
import { createJobSightings } from "./job-sightings.js";
import { reconcileLeaseTtlMs, startReconciler, type ReconcilerDeps } from "./reconciler.js";

/** Reconcile as the assigner runs it: sightings always recorded, the loop only with a REST token. */
export interface ReconcileHandle {
  /** A broker proxied a call for this job. */
  seen(jobId: number): void;
  /** When a broker last proxied a call for each job (absent: none within the sightings' TTL). */
  lastSeen(jobIds: readonly number[]): Promise<Map<number, number>>;
  stop(): Promise<void>;
}

export interface ReconcileWiringDeps {
  rt: AgentRuntime;
  config: AssignerConfig;
  queue: Pick<HeldJobs, "meta" | "forget"> & Pick<Handoffs, "handoffOf" | "handoffsBefore">;
  api: GitLabRunnerApi;
  recovered: Counter<"pool" | "result">;
  onRetried: NonNullable<ReconcilerDeps["onRetried"]>;
}

export function startReconcile({ rt, config, queue, api, recovered, onRetried }: ReconcileWiringDeps): ReconcileHandle {
  const keys = redisKeys(config.keyPrefix);
  // Sightings are written even where reconcile is off: another replica with the token may be reconciling.
  const sightings = createJobSightings({
    redis: rt.redis, keys, log: rt.log, ttlMs: 2 * config.reconcileGraceMs, writeEveryMs: Math.min(15_000, config.reconcileGraceMs / 4),
  });
  if (!config.gitlabApiToken) {
    rt.log.warn("reconcile with GitLab is off (no gitlabApiToken): jobs lost from Redis (flush, restart without persistence) are left to GitLab's 30-minute stale-job rule");
    return { seen: sightings.seen, lastSeen: sightings.lastSeen, stop: async () => undefined };
  }
  const reconciler = startReconciler({
    pools: config.pools,
    runnerIdOf: (token) => api.verifyRunner(token),
    gitlab: createGitLabClient({ url: config.gitlabUrl, token: config.gitlabApiToken, log: rt.log }),
    isKnown: async (jobId) => (await queue.meta(jobId)) !== null || (await queue.handoffOf(jobId)) !== null,
    handoffs: {
      before: (olderThan) => queue.handoffsBefore(olderThan),
      async forget(jobId) {
        const meta = await queue.meta(jobId);
        if (!meta) return null;
        await queue.forget(meta.pool, jobId);
        return meta.pool;
      },
    },
    sightings,
    lease: createLease({ redis: rt.redis, key: keys.lease("reconcile"), ttlMs: reconcileLeaseTtlMs(config.reconcileIntervalMs), holder: rt.instanceId }),
    intervalMs: config.reconcileIntervalMs, graceMs: config.reconcileGraceMs, log: rt.log, recovered, onRetried,
  });
  return { seen: sightings.seen, lastSeen: sightings.lastSeen, stop: () => reconciler.stop() };
}
