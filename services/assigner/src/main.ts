#!/usr/bin/env node
import { runAgent } from "@switchyard/runtime";
import { assignerConfigSchema } from "./config.js";
import { startAssigner } from "./assigner.js";

// Composition root: startAssigner wires the broker, the queue and the dispatcher from the runtime.
await runAgent("assigner", assignerConfigSchema, async (rt, config) => {
  const assigner = await startAssigner(rt, config);
  return { stop: () => assigner.stop() };
});
