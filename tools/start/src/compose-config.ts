import { generateFleet } from "@switchyard/gitlab-sim";
import { writeDemoConfig } from "./demo-config.js";

/**
 * Writes deploy/compose/config's files into `dir` from the same code as `npm start`, with compose's
 * service names. The tokens in it belong to the simulated GitLab only.
 */
export function writeComposeConfig(dir: string): void {
  const fleet = generateFleet({ runnersPerPool: 6, seed: 42 });
  writeDemoConfig(dir, fleet, { gitlab: 80, broker: 8080, runnersMetrics: 9252 }, { speed: 60 },
    { gitlab: "sim-gitlab", broker: "assigner", brokerListen: "0.0.0.0", runners: "sim-runners" });
}
