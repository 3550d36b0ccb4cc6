import {
  DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, jetstreamManager, type StreamInfo,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Subjects } from "@switchyard/contracts";

const NANOS_PER_MS = 1_000_000;
/** JetStream's "name already in use with a different configuration". */
const STREAM_EXISTS = 10058;

/** Retention of the outcome stream; an operator may tune it on the server: ensure never overwrites. */
export interface OutcomeStreamOptions {
  maxAgeMs?: number;
  /** Window in which a re-published outcome with the same `Nats-Msg-Id` is dropped by the server. */
  duplicateWindowMs?: number;
}

/**
 * Creates the JetStream stream that keeps job outcomes across restarts (`subjects.outcomeStream`,
 * capturing `subjects.jobOutcomeAll`), or returns it if it exists with any config. Every assigner
 * (publisher) and optimizer (consumer) replica calls it at start-up. Publishers set
 * `msgID: \`${jobId}:${phase}\`` so a retried publish is deduplicated.
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
    if (err instanceof JetStreamApiError && err.code === STREAM_EXISTS) return jsm.streams.info(subjects.outcomeStream);
    throw err;
  }
}

/** Deletes a stream if it exists (test and demo clean-up). */
export async function deleteStream(nc: NatsConnection, name: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(name).catch(() => undefined);
}
