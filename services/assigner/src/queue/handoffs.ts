import { runScript } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import { decodeHandoff } from "@switchyard/contracts";
import type { RedisKeys } from "@switchyard/runtime";
import { deployKeyOf, parseMeta, type HeldJobMeta } from "./held-jobs.js";
import { keyPrefixes } from "./key-prefixes.js";
import { COLLECT, EXPIRE_RESERVATIONS, MARK_ACKED, RESTORE_HANDOFF, UNDO_HANDOFF } from "./lua.js";
import { pollMember, type RunnerPoll } from "./runner-presence.js";

/** A job collected by a runner: the GitLab payload to hand down and its metadata. */
export interface CollectedJob {
  jobId: number;
  payload: string;
  meta: HeldJobMeta | null;
  /** When this hand-off was recorded (ms): with the runner, it names this hand-off and no later one of the job. */
  handedAt: number;
}

/** A poll's answer from one step: the job it collected, if any, and the runner's long-poll version after it. */
export interface PollAnswer {
  job: CollectedJob | null;
  /** X-GitLab-Last-Update for the runner ("v<n>"). */
  version: string;
}

/** A hand-off as recorded: which runner, when, and whether the runner has spoken for the job since. */
export interface HandoffRecord {
  runnerId: string;
  at: number;
  acked: boolean;
}

/** Reservations becoming hand-offs, exactly once per job, and their way back when a runner never got one. */
export interface Handoffs {
  /** Atomically takes the runner's next reservation as its hand-off (exactly once); the collecting poll stops counting as a slot. */
  collect(runnerId: string, poll?: RunnerPoll): Promise<CollectedJob | null>;
  /**
   * collect() with the runner's version in the same step; with `arriving`, a poll that collects nothing
   * joins the polling set (RunnerPresence.markPolling) in that step too. The broker's whole first step of a poll.
   */
  answerPoll(runnerId: string, poll: RunnerPoll, arriving: boolean): Promise<PollAnswer>;
  /** Returns reservations past their deadline to their queue; → how many. */
  expireReservations(now: number): Promise<number>;
  /**
   * Puts back a job whose hand-off (to `runnerId` at `handedAt`) never reached the runner; a later hand-off of
   * the job, even to the same runner, is left alone.
   */
  undoHandoff(jobId: number, runnerId: string, handedAt: number): Promise<boolean>;
  /** Marks the hand-off acknowledged; → the runner it was handed to, or null when there is none. */
  markAcked(jobId: number): Promise<string | null>;
  /**
   * Writes a collected job's hand-off again where Redis lost it (failover), before the runner is answered:
   * "present" (this very hand-off, as it should be), "restored", or "taken" (another hand-off has it now:
   * another runner's, or another poll's of this runner after an undo).
   */
  restoreHandoff(runnerId: string, job: CollectedJob): Promise<"present" | "restored" | "taken">;
  handoffOf(jobId: number): Promise<HandoffRecord | null>;
  /** Jobs handed off but not acknowledged by their runner before `olderThan`. */
  unackedHandoffs(olderThan: number): Promise<{ jobId: number; runnerId: string }[]>;
  /** Every hand-off made before `olderThan`, acknowledged or not. */
  handoffsBefore(olderThan: number): Promise<({ jobId: number } & HandoffRecord)[]>;
}

/** How long a poll's collect marker lasts: far beyond a reconnect's resend, far below a hand-off's life. */
const COLLECTED_TTL_MS = 60_000;

export function createHandoffs(redis: Redis, keys: RedisKeys, now: () => number = Date.now): Handoffs {
  const prefixes = keyPrefixes(keys);

  async function handoffsBefore(olderThan: number): Promise<({ jobId: number } & HandoffRecord)[]> {
    const out: ({ jobId: number } & HandoffRecord)[] = [];
    for (const [jobId, h] of Object.entries(await redis.hgetall(keys.handoffs))) {
      const handoff = decodeHandoff(h);
      if (handoff && handoff.handedAt < olderThan) out.push({ jobId: Number(jobId), runnerId: handoff.runnerId, at: handoff.handedAt, acked: handoff.acked });
    }
    return out;
  }

  async function collectStep(runnerId: string, poll: RunnerPoll | undefined, arriving: boolean): Promise<PollAnswer> {
    const pool = poll?.pool ?? "";
    const keyList = [keys.reserved(runnerId), keys.reservationDeadlines, keys.handoffs, keys.jobs, keys.runnerLoad, keys.jobMeta,
      keys.polling(pool), keys.held(pool), keys.projectLoad(pool), keys.runnerVersions, ...(poll ? [keys.collected(pollMember(poll))] : [])];
    const result = (await runScript(redis, COLLECT, keyList.length, ...keyList, runnerId, String(now()), poll ? pollMember(poll) : "", pool,
      prefixes.held, prefixes.projectLoad, prefixes.deployOrder, String(COLLECTED_TTL_MS), arriving ? "1" : "")) as string[];
    if (result.length === 1) return { job: null, version: `v${result[0]}` };
    return {
      job: { jobId: Number(result[0]), payload: result[1]!, meta: parseMeta(result[2]!), handedAt: Number(result[3]) },
      version: `v${result[4]}`,
    };
  }

  return {
    collect: async (runnerId, poll) => (await collectStep(runnerId, poll, false)).job,
    answerPoll: collectStep,
    async expireReservations(at) {
      return Number(await runScript(redis, EXPIRE_RESERVATIONS, 2, keys.reservationDeadlines, keys.jobMeta, String(at),
        prefixes.reserved, prefixes.queue));
    },
    async undoHandoff(jobId, runnerId, handedAt) {
      const ok = await runScript(redis, UNDO_HANDOFF, 3, keys.handoffs, keys.runnerLoad, keys.jobMeta, String(jobId), runnerId, String(handedAt),
        prefixes.queue, prefixes.held, prefixes.projectLoad, prefixes.deployOrder);
      return ok === 1;
    },
    async markAcked(jobId) {
      const raw = (await runScript(redis, MARK_ACKED, 1, keys.handoffs, String(jobId))) as string | null;
      return (raw ? decodeHandoff(raw) : undefined)?.runnerId ?? null;
    },
    async restoreHandoff(runnerId, job) {
      const pool = job.meta?.pool ?? "";
      const deploys = job.meta ? deployKeyOf(keys, job.meta) : null;
      const keyList = [keys.handoffs, keys.jobs, keys.jobMeta, keys.runnerLoad, keys.queue(pool), keys.reserved(runnerId),
        keys.reservationDeadlines, keys.held(pool), keys.projectLoad(pool), ...(deploys ? [deploys] : [])];
      const found = await runScript(redis, RESTORE_HANDOFF, keyList.length, ...keyList, String(job.jobId), runnerId, String(job.handedAt),
        job.payload, job.meta ? JSON.stringify(job.meta) : "", job.meta ? String(job.meta.projectId) : "");
      return found === 2 ? "restored" : found === 1 ? "present" : "taken";
    },
    async handoffOf(jobId) {
      const raw = await redis.hget(keys.handoffs, String(jobId));
      const h = raw ? decodeHandoff(raw) : undefined;
      return h ? { runnerId: h.runnerId, at: h.handedAt, acked: h.acked } : null;
    },
    async unackedHandoffs(olderThan) {
      return (await handoffsBefore(olderThan)).filter((h) => !h.acked).map(({ jobId, runnerId }) => ({ jobId, runnerId }));
    },
    handoffsBefore,
  };
}
