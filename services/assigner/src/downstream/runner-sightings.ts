import { RunnerContactV1, type RunnerContact } from "@switchyard/contracts";
import type { BackgroundFailure, Logger, RedisKeys, RegisteredRunner } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/**
 * What the broker learns from its own runners' calls: their `info.features` (what the pool may advertise
 * upstream) and proof of life for the monitor (RunnerContactV1), since a runner behind Switchyard never
 * contacts GitLab. Writes are throttled per runner; nothing here ever delays a runner's request.
 */
export interface RunnerSightings {
  /** The runner authenticated on jobs/request or verify with this JSON body. */
  polled(runner: RegisteredRunner, body: Record<string, unknown>): void;
  /** A job was handed to the runner. */
  handedOff(runner: RegisteredRunner, jobId: number): void;
  /** Someone used the token of a job (update, trace, artifacts): the runner it was handed to is alive. */
  jobCall(jobId: number): void;
}

export interface RunnerSightingsDeps {
  redis: Redis;
  keys: RedisKeys;
  /** Where a poll's `info.features` go (upstream/pool-features learns the pool's set from them). */
  features: { observe(runner: RegisteredRunner, features: unknown): void };
  /** Which runner a job was handed to, for job calls this replica did not hand off. */
  handoffOf: (jobId: number) => Promise<{ runnerId: string } | null>;
  /** The pool of a runner id (from the registry). */
  poolOf: (runnerId: string) => Promise<string | null>;
  log: Logger;
  /** At most one contact write per runner per this many ms. */
  writeEveryMs?: number;
  now?: () => number;
  /** Catch handler for writes nobody waits for (counted, logged once); silent when absent. */
  background?: BackgroundFailure;
}

const MAX_TRACKED_JOBS = 50_000;
const str = (v: unknown, max: number): string | null => (typeof v === "string" && v.length > 0 ? v.slice(0, max) : null);

export function createRunnerSightings(deps: RunnerSightingsDeps): RunnerSightings {
  const now = deps.now ?? Date.now;
  const writeEveryMs = deps.writeEveryMs ?? 5_000;
  const log = deps.log.child({ component: "sightings" });
  const contacts = new Map<string, RunnerContact>();
  const written = new Map<string, number>();
  const sessionRefused = new Set<string>();
  /** system_ids seen per runner: managers sharing a token (GitLab's runner managers) alternate in polls. */
  const systems = new Map<string, Set<string>>();
  /** jobId → runnerId (null: not ours), bounded; saves a Redis read on every trace patch. */
  const jobRunner = new Map<number, string | null>();

  function remember(jobId: number, runnerId: string | null): void {
    jobRunner.set(jobId, runnerId);
    if (jobRunner.size > MAX_TRACKED_JOBS) jobRunner.delete(jobRunner.keys().next().value as number);
  }

  function record(runnerId: string, pool: string, change: Partial<RunnerContact>): void {
    const previous = contacts.get(runnerId) ?? { v: 1, runnerId, pool, lastPollAt: null, lastJobCallAt: null, systemId: null, version: null };
    const next = { ...previous, pool, ...change };
    contacts.set(runnerId, next);
    // A manager not seen before is written at once; managers taking turns under one token are not.
    const known = systems.get(runnerId) ?? new Set<string>();
    const newManager = next.systemId !== null && !known.has(next.systemId);
    if (newManager) {
      if (known.size >= 64) known.clear();
      systems.set(runnerId, known.add(next.systemId!));
    }
    if (now() - (written.get(runnerId) ?? -Infinity) < writeEveryMs && !newManager) return;
    written.set(runnerId, now());
    void deps.redis.hset(deps.keys.runnerContacts, runnerId, JSON.stringify(RunnerContactV1.parse(next)))
      .catch((err: unknown) => { written.delete(runnerId); log.warn({ err: (err as Error).message, runner: runnerId }, "storing runner contact failed"); });
  }

  return {
    polled(runner, body) {
      const info = body.info !== null && typeof body.info === "object" ? (body.info as Record<string, unknown>) : {};
      deps.features.observe(runner, info.features);
      record(runner.id, runner.pool, { lastPollAt: now(), systemId: str(body.system_id, 64), version: str(info.version, 64) });
      // gitlab-runner sends `session` (url, certificate, authorization) when its session_server is set, so
      // GitLab can open a web terminal to the job. The broker polls GitLab for the whole pool and cannot
      // forward one runner's session: the terminal is refused (advertised off), said once per runner.
      if (body.session !== undefined && body.session !== null && !sessionRefused.has(runner.id)) {
        sessionRefused.add(runner.id);
        log.warn({ runner: runner.id }, "runner sent a session (session_server): web terminals are not available behind Switchyard; ignored");
      }
    },
    handedOff(runner, jobId) {
      remember(jobId, runner.id);
      record(runner.id, runner.pool, { lastJobCallAt: now() });
    },
    jobCall(jobId) {
      const known = jobRunner.get(jobId);
      if (known === null) return;
      const touch = async (runnerId: string) => {
        const pool = contacts.get(runnerId)?.pool ?? (await deps.poolOf(runnerId));
        if (pool) record(runnerId, pool, { lastJobCallAt: now() });
      };
      const failed = deps.background?.("runner sighting") ?? (() => undefined);
      if (known !== undefined) { touch(known).catch(failed); return; }
      deps.handoffOf(jobId).then(async (handoff) => {
        remember(jobId, handoff?.runnerId ?? null);
        if (handoff) await touch(handoff.runnerId);
      }).catch(failed);
    },
  };
}
