import { loadConfigOrExit, redisKeys, startAgentRuntime } from "@switchyard/runtime";
import { scorerConfigSchema } from "./config.js";
import { createScorer } from "./scorer.js";

/** Composition root: config, runtime, scorer, shutdown. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(scorerConfigSchema, "scorer");
  const runtime = await startAgentRuntime({ agent: "scorer", config });
  const scorer = createScorer({
    bus: runtime.bus,
    redis: runtime.redis,
    keys: redisKeys(config.keyPrefix),
    log: runtime.log,
    metrics: runtime.metrics,
    scorerId: runtime.instanceId,
    config,
  });
  await scorer.start();
  runtime.lifecycle.onShutdown("scorer", () => scorer.stop());
  runtime.setReady(true);
}

main().catch((err: unknown) => {
  console.error(`scorer failed to start: ${(err as Error).message}`);
  process.exit(1);
});
