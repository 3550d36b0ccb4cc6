import {
  DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, jetstreamManager,
  type JetStreamManager, type StreamConfig, type StreamInfo,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Subjects } from "@switchyard/contracts";
import { z } from "zod";

const NANOS_PER_MS = 1_000_000;
/** JetStream's "name already in use with a different configuration". */
const STREAM_EXISTS = 10058;

/** Config of the agents that create JetStream streams (assigner, optimizer). */
export const jetstreamConfigShape = {
  jetstreamReplicas: z.coerce.number().int().min(1).max(5).default(1)
    .describe("replicas of the JetStream streams Switchyard creates (JetStream allows 1-5); 3 on a three-server NATS cluster, 1 on a single server"),
};

/** Retention of the outcome stream; an operator may tune it on the server: ensure never overwrites. */
export interface OutcomeStreamOptions {
  maxAgeMs?: number;
  /** Window in which a re-published outcome with the same `Nats-Msg-Id` is dropped by the server. */
  duplicateWindowMs?: number;
  /** Replica count; an existing stream with fewer is raised to it, one with more is left alone. */
  replicas?: number;
}

/**
 * Creates the JetStream stream that keeps job outcomes across restarts (`subjects.outcomeStream`,
 * capturing `subjects.jobOutcomeAll`), or returns it if it exists with any config. Every assigner
 * (publisher) and optimizer (consumer) replica calls it at start-up. Publishers set
 * `msgID: \`${jobId}:${phase}\`` so a retried publish is deduplicated.
 */
export async function ensureOutcomeStream(nc: NatsConnection, subjects: Subjects, options: OutcomeStreamOptions = {}): Promise<StreamInfo> {
  return ensureStream(await jetstreamManager(nc), {
    name: subjects.outcomeStream,
    subjects: [subjects.jobOutcomeAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: (options.maxAgeMs ?? 7 * 24 * 3600_000) * NANOS_PER_MS,
    duplicate_window: (options.duplicateWindowMs ?? 120_000) * NANOS_PER_MS,
    num_replicas: options.replicas ?? 1,
  });
}

/**
 * Creates (or returns) the stream that keeps dead letters (`subjects.deadLetterAll`): what a bus
 * copies there on plain NATS and what the optimizer parks there from its durable consumer stay
 * for 14 days, at most 100,000, oldest dropped first.
 */
export async function ensureDeadLetterStream(nc: NatsConnection, subjects: Subjects, options: { replicas?: number } = {}): Promise<StreamInfo> {
  return ensureStream(await jetstreamManager(nc), {
    name: subjects.deadLetterStream,
    subjects: [subjects.deadLetterAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: 14 * 24 * 3600_000 * NANOS_PER_MS,
    max_msgs: 100_000,
    duplicate_window: 120_000 * NANOS_PER_MS,
    num_replicas: options.replicas ?? 1,
  });
}

/**
 * Adds a stream, or keeps the existing one as the operator left it, except that its replica count is
 * raised to the configured one: a stream first created R1 becomes R3 once the config says so, and
 * one an operator raised by hand is never lowered by a default.
 */
async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string; num_replicas: number }): Promise<StreamInfo> {
  try {
    return await jsm.streams.add(config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === STREAM_EXISTS)) throw err;
  }
  const info = await jsm.streams.info(config.name);
  if (info.config.num_replicas >= config.num_replicas) return info;
  return jsm.streams.update(config.name, { num_replicas: config.num_replicas });
}

/** Deletes a stream if it exists (test and demo clean-up). */
export async function deleteStream(nc: NatsConnection, name: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(name).catch(() => undefined);
}
