import { ConfigError, loadConfig } from "@switchyard/runtime";
import type { z } from "zod";

export const AGENT_NAMES = ["assigner", "scorer", "monitor", "optimizer"] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/**
 * Each agent's own config schema, loaded only when asked for: `check-config` must judge a file
 * exactly as the agent will at start-up, so it uses the agent's schema, never a copy of it.
 */
const SCHEMAS: Record<AgentName, () => Promise<z.ZodObject>> = {
  assigner: async () => (await import("@switchyard/assigner/dist/config.js")).assignerConfigSchema,
  scorer: async () => (await import("@switchyard/scorer/dist/config.js")).scorerConfigSchema,
  monitor: async () => (await import("@switchyard/monitor/dist/config.js")).monitorConfigSchema,
  optimizer: async () => (await import("@switchyard/optimizer/dist/config.js")).optimizerConfigSchema,
};

/** Every problem the agent would report for this file with this environment; empty when it would start. */
export async function checkAgentConfig(agent: AgentName, file: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  try {
    loadConfig(await SCHEMAS[agent](), { env: { ...env, SWITCHYARD_CONFIG: undefined }, file });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}
