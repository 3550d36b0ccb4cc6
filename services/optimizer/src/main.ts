import { subjects as buildSubjects } from "@switchyard/contracts";
import { loadConfigOrExit, redisKeys, startAgentRuntime } from "@switchyard/runtime";
import { optimizerConfigSchema } from "./config.js";
import { createOptimizer } from "./optimizer.js";
import { provisionerFromConfig } from "./provisioning/provisioner-from-config.js";

/** Composition root of the optimizer agent. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(optimizerConfigSchema, "optimizer");
  const runtime = await startAgentRuntime({ agent: "optimizer", config });
  const keys = redisKeys(config.keyPrefix);
  const provisioner = config.autoscaling.pools.length > 0
    ? await provisionerFromConfig({ config: config.autoscaling.provisioner, owner: runtime.instanceId, redis: runtime.redis, keys, log: runtime.log })
    : undefined;
  const optimizer = createOptimizer({
    nc: runtime.nc,
    redis: runtime.redis,
    keys,
    subjects: buildSubjects(config.subjectPrefix),
    metrics: runtime.metrics,
    log: runtime.log,
    config,
    instanceId: runtime.instanceId,
    ...(provisioner ? { provisioner } : {}),
  });
  // Registered after NATS and Redis, so it runs before them: stop consuming, then drain.
  runtime.lifecycle.onShutdown("optimizer", () => optimizer.stop());
  await optimizer.start();
  runtime.setReady(true);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
