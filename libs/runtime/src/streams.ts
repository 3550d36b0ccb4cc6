import { jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Subjects } from "@switchyard/contracts";

/**
 * Ensures the JetStream stream that keeps job outcomes across restarts exists.
 * Idempotent: the assigner (publisher) and the optimizer (consumer) both call it.
 */
export async function ensureOutcomeStream(nc: NatsConnection, subjects: Subjects, maxAgeMs = 7 * 24 * 3600_000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: subjects.outcomeStream,
    subjects: [subjects.jobOutcomeAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: maxAgeMs * 1_000_000,
    max_msgs: 1_000_000,
  };
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch {
    await jsm.streams.add(config);
  }
}

/** Deletes a stream if it exists (test clean-up). */
export async function deleteStream(nc: NatsConnection, name: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(name).catch(() => undefined);
}
