import { jetstreamManager } from "@nats-io/jetstream";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import type { Optimizer } from "../src/optimizer.js";
import { ensureOutcomeStream } from "../src/outcome-stream.js";

/** A test env with the outcome stream in place, as the assigner would have created it. */
export async function outcomeTestEnv(name: string): Promise<TestEnv> {
  const env = await createTestEnv(name);
  await ensureOutcomeStream(env.nc, env.subjects);
  return env;
}

/** Stops the optimizers a suite started, removes its streams and closes its env. */
export async function closeOutcomeTestEnv(env: TestEnv, running: readonly Optimizer[]): Promise<void> {
  for (const o of running) await o.stop();
  const jsm = await jetstreamManager(env.nc);
  for (const stream of [env.subjects.outcomeStream, env.subjects.deadLetterStream]) await jsm.streams.delete(stream).catch(() => undefined);
  await env.close();
}

/** Whether the durable consumer has applied (acknowledged) every outcome in the stream. */
export async function consumerIdle(env: TestEnv, durableName: string): Promise<boolean> {
  const info = await (await jetstreamManager(env.nc)).consumers.info(env.subjects.outcomeStream, durableName);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}
