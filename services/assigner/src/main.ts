#!/usr/bin/env node
import { loadConfigOrExit, startAgentRuntime } from "@switchyard/runtime";
import { assignerConfigSchema } from "./config.js";
import { startAssigner } from "./assigner.js";

// Composition root: config once, runtime, behaviour, shutdown order.
const config = loadConfigOrExit(assignerConfigSchema, "assigner");
const rt = await startAgentRuntime({ agent: "assigner", config });
const assigner = await startAssigner(rt, config);
rt.lifecycle.onShutdown("assigner", () => assigner.stop());
rt.setReady(true);
