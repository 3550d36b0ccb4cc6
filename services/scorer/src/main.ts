import { redisKeys, runAgent } from "@switchyard/runtime";
import { scorerConfigSchema } from "./config.js";
import { createScorer } from "./scorer.js";

// Composition root: the runtime's clients wired into the scorer.
await runAgent("scorer", scorerConfigSchema, (rt, config) => createScorer({
  bus: rt.bus,
  redis: rt.redis,
  keys: redisKeys(config.keyPrefix),
  log: rt.log,
  metrics: rt.metrics,
  scorerId: rt.instanceId,
  records: rt.records,
  config,
}));
