import { subjects as buildSubjects } from "@switchyard/contracts";
import { redisKeys, runAgent } from "@switchyard/runtime";
import { optimizerConfigSchema } from "./config.js";
import { createOptimizer } from "./optimizer.js";
import { provisionerFromConfig } from "./provisioning/provisioner-from-config.js";

// Composition root: the runtime's clients and the configured provisioner wired into the optimizer.
await runAgent("optimizer", optimizerConfigSchema, async (rt, config) => {
  const keys = redisKeys(config.keyPrefix);
  const provisioner = config.autoscaling.pools.length > 0
    ? await provisionerFromConfig({ config: config.autoscaling.provisioner, owner: rt.instanceId, redis: rt.redis, keys, log: rt.log })
    : undefined;
  return createOptimizer({
    nc: rt.nc,
    bus: rt.bus,
    redis: rt.redis,
    keys,
    subjects: buildSubjects(config.subjectPrefix),
    metrics: rt.metrics,
    log: rt.log,
    config,
    instanceId: rt.instanceId,
    records: rt.records,
    ...(provisioner ? { provisioner } : {}),
  });
});
