import type { Subjects } from "@switchyard/contracts";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy, DeliverPolicy, JetStreamApiError, jetstreamManager, type ConsumerInfo,
} from "@nats-io/jetstream";

const NANOS_PER_MS = 1_000_000;
/** JetStream's "name already in use with a different configuration" (stream 10058, consumer 10148). */
const ALREADY_EXISTS = new Set([10058, 10148]);

export { ensureOutcomeStream, type OutcomeStreamOptions } from "@switchyard/runtime";

/**
 * Creates (or returns) the durable pull consumer the optimizer reads outcomes with: explicit acks,
 * from the start, at most `maxDeliver` deliveries of one message. A consumer created before
 * `max_deliver` was set (unbounded) gets it set.
 */
export async function ensureOutcomeConsumer(nc: NatsConnection, subjects: Subjects, durableName: string, maxDeliver: number): Promise<ConsumerInfo> {
  const jsm = await jetstreamManager(nc);
  try {
    return await jsm.consumers.add(subjects.outcomeStream, {
      durable_name: durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subjects.jobOutcomeAll,
      ack_wait: 30_000 * NANOS_PER_MS,
      max_deliver: maxDeliver,
    });
  } catch (err) {
    if (!(err instanceof JetStreamApiError && ALREADY_EXISTS.has(err.code))) throw err;
  }
  const info = await jsm.consumers.info(subjects.outcomeStream, durableName);
  if (info.config.max_deliver === maxDeliver) return info;
  return jsm.consumers.update(subjects.outcomeStream, durableName, { max_deliver: maxDeliver });
}
