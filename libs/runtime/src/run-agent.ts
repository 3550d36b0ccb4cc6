import type { AgentName } from "@switchyard/contracts";
import type { z } from "zod";
import { startAgentRuntime, type AgentRuntime } from "./agent.js";
import { loadConfigOrExit, type BaseConfig } from "./config.js";

/** What an agent's composition root wires from the runtime and its config. */
export interface AgentParts {
  /** Starts the agent's loops (absent when wiring already started them); ready once it resolves. */
  start?(): Promise<void>;
  /** Stops them; runs at shutdown before NATS drains and Redis closes. */
  stop(): Promise<void>;
}

/**
 * The one shape of every agent's main.ts: config once (every problem printed, exit 2), the runtime
 * (NATS, Redis, HTTP, heartbeat, signals), the agent's own wiring, shutdown order, ready. A failure
 * while starting prints one line naming the agent and exits 1, after closing what had started, so
 * an operator (or a restart loop) reads the cause rather than a stack trace, the same for all four.
 */
export async function runAgent<S extends z.ZodObject & z.ZodType<BaseConfig, unknown>>(
  agent: AgentName,
  schema: S,
  wire: (rt: AgentRuntime, config: Readonly<z.infer<S>>) => Promise<AgentParts> | AgentParts,
): Promise<void> {
  const config = loadConfigOrExit(schema, agent);
  let rt: AgentRuntime | undefined;
  try {
    rt = await startAgentRuntime({ agent, config });
    const parts = await wire(rt, config);
    rt.lifecycle.onShutdown(agent, () => parts.stop());
    await parts.start?.();
    rt.setReady(true);
  } catch (err) {
    process.stderr.write(`${agent}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    await rt?.lifecycle.shutdown("start-up failed").catch(() => undefined);
    process.exit(1); // the exit codes: docs/OPERATING.md, "Agent exit codes"
  }
}
