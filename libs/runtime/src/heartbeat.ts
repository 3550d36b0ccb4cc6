import { contracts, type AgentName } from "@switchyard/contracts";
import type { Bus } from "./bus.js";

/** Publishes this agent's heartbeat at an interval until stopped. */
export function startHeartbeat(bus: Bus, agent: AgentName, instanceId: string, intervalMs: number, isReady: () => boolean): () => void {
  const beat = () => {
    try {
      bus.publish(contracts.heartbeat, bus.subjects.heartbeat(agent), { v: 1, agent, instanceId, ready: isReady(), at: Date.now() });
    } catch {
      // NATS down: the breaker and the watchdog notice the silence; nothing to do here.
    }
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
