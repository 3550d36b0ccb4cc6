import type { Redis } from "ioredis";
import type { RedisKeys } from "@switchyard/runtime";
import { createDispatchRound, type DispatchRound } from "./dispatch-round.js";
import { createFairnessLedger, type FairnessLedger } from "./fairness-ledger.js";
import { createHandoffs, type Handoffs } from "./handoffs.js";
import { createHeldJobs, type HeldJobs } from "./held-jobs.js";
import { createRunnerPresence, type RunnerPresence } from "./runner-presence.js";

export type { ArrivingJob, HeldJobMeta, HeldJobs, OutboxWrite } from "./held-jobs.js";
export type { CollectedJob, HandoffRecord, Handoffs } from "./handoffs.js";
export type { PollingRunner, RunnerPoll, RunnerPresence } from "./runner-presence.js";
export type { FairnessLedger } from "./fairness-ledger.js";
export type { DispatchRound, PlacedDecision, RoundView } from "./dispatch-round.js";

/**
 * The per-pool dispatch queue in Redis, as its four concepts and the dispatcher's round: held jobs,
 * hand-offs, runner presence, the fairness ledger. Built once by the composition root (and tests);
 * every component takes only the parts it uses.
 */
export type DispatchQueue = HeldJobs & Handoffs & RunnerPresence & FairnessLedger & DispatchRound;

export function createDispatchQueue(redis: Redis, keys: RedisKeys): DispatchQueue {
  return {
    ...createHeldJobs(redis, keys), ...createHandoffs(redis, keys), ...createRunnerPresence(redis, keys),
    ...createFairnessLedger(redis, keys), ...createDispatchRound(redis, keys),
  };
}
