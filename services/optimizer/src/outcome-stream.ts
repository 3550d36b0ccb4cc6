import type { Subjects } from "@switchyard/contracts";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy, DeliverPolicy, DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, jetstreamManager,
  type ConsumerInfo, type StreamInfo,
} from "@nats-io/jetstream";

const NANOS_PER_MS = 1_000_000;
/** JetStream's "name already in use with a different configuration" (stream 10058, consumer 10148). */
const ALREADY_EXISTS = new Set([10058, 10148]);

/** Retention of the outcome stream; an operator may tune it on the server, ensure never overwrites. */
export interface OutcomeStreamOptions {
  maxAgeMs?: number;
  /** Window in which a re-published outcome with the same `Nats-Msg-Id` is dropped by the server. */
  duplicateWindowMs?: number;
}

/**
 * Creates the JetStream stream `subjects.outcomeStream` capturing `subjects.jobOutcomeAll`, or returns it
 * if it exists (any config). Safe to call from every assigner and optimizer replica at start-up.
 * Publishers should set `msgID: \`${jobId}:${phase}\`` so retried publishes are deduplicated.
 */
export async function ensureOutcomeStream(nc: NatsConnection, subjects: Subjects, options: OutcomeStreamOptions = {}): Promise<StreamInfo> {
  const jsm = await jetstreamManager(nc);
  try {
    return await jsm.streams.add({
      name: subjects.outcomeStream,
      subjects: [subjects.jobOutcomeAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: (options.maxAgeMs ?? 7 * 24 * 3600_000) * NANOS_PER_MS,
      duplicate_window: (options.duplicateWindowMs ?? 120_000) * NANOS_PER_MS,
    });
  } catch (err) {
    if (err instanceof JetStreamApiError && ALREADY_EXISTS.has(err.code)) return jsm.streams.info(subjects.outcomeStream);
    throw err;
  }
}

/** Creates (or returns) the durable pull consumer the optimizer reads outcomes with: explicit acks, from the start. */
export async function ensureOutcomeConsumer(nc: NatsConnection, subjects: Subjects, durableName: string): Promise<ConsumerInfo> {
  const jsm = await jetstreamManager(nc);
  try {
    return await jsm.consumers.add(subjects.outcomeStream, {
      durable_name: durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subjects.jobOutcomeAll,
      ack_wait: 30_000 * NANOS_PER_MS,
    });
  } catch (err) {
    if (err instanceof JetStreamApiError && ALREADY_EXISTS.has(err.code)) return jsm.consumers.info(subjects.outcomeStream, durableName);
    throw err;
  }
}
