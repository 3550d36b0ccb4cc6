import type { Logger, RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/**
 * Proof that a job is alive on some runner: every broker records, in Redis with a TTL so replicas
 * share it, when it last proxied a call for the job (trace, update, artifacts). Reconcile reads it so a
 * job whose hand-off record was lost but whose runner is still working is never touched.
 */
export interface JobSightings {
  /** A downstream runner called GitLab for this job through this broker. Never delays the call. */
  seen(jobId: number): void;
  /** Epoch ms of the latest recorded call per job; absent = none within the TTL. */
  lastSeen(jobIds: readonly number[]): Promise<Map<number, number>>;
}

export interface JobSightingsDeps {
  redis: Redis;
  keys: RedisKeys;
  log: Logger;
  /** How long a sighting is kept; longer than reconcile's grace period. */
  ttlMs: number;
  /** At most one write per job per this many ms (a runner patches its trace every few seconds). */
  writeEveryMs: number;
  now?: () => number;
}

const MAX_TRACKED_JOBS = 50_000;

export function createJobSightings(deps: JobSightingsDeps): JobSightings {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "job-sightings" });
  const written = new Map<number, number>();
  let warned = false;
  return {
    seen(jobId) {
      const at = now();
      if (at - (written.get(jobId) ?? -Infinity) < deps.writeEveryMs) return;
      written.delete(jobId); // re-insert: the map stays ordered oldest write first, so trimming drops the stalest
      written.set(jobId, at);
      if (written.size > MAX_TRACKED_JOBS) written.delete(written.keys().next().value as number);
      deps.redis.set(deps.keys.jobSeen(jobId), String(at), "PX", deps.ttlMs).then(() => { warned = false; }, (err: unknown) => {
        written.delete(jobId);
        // Said once per outage: a runner's every trace patch would repeat it.
        if (!warned) log.warn({ err: (err as Error).message }, "recording a job sighting failed");
        warned = true;
      });
    },
    async lastSeen(jobIds) {
      const out = new Map<number, number>();
      if (jobIds.length === 0) return out;
      const values = await deps.redis.mget(...jobIds.map((id) => deps.keys.jobSeen(id)));
      values.forEach((v, i) => { if (v !== null && Number.isFinite(Number(v))) out.set(jobIds[i]!, Number(v)); });
      return out;
    },
  };
}
