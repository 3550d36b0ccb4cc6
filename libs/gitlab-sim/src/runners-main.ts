import { createLogger } from "@switchyard/runtime";
import { parseSimEnv } from "./sim-config.js";
import { generateFleet, readFleetFile } from "./fleet/fleet-file.js";
import { createRunnerFleet } from "./fleet/runner-fleet.js";

// Composition root of the simulated runner fleet: every fleet runner polls SIM_BROKER_URL.
const env = parseSimEnv(process.env);
if (!env.SIM_BROKER_URL) throw new Error("invalid sim environment:\n  - SIM_BROKER_URL: required");
const log = createLogger({ name: "sim-runners", level: env.SIM_LOG_LEVEL });
const fleetFile = env.SIM_FLEET_FILE ? readFleetFile(env.SIM_FLEET_FILE) : generateFleet({ seed: env.SIM_SEED });
const fleet = await createRunnerFleet({
  url: env.SIM_BROKER_URL.replace(/\/+$/, ""), speed: env.SIM_SPEED, work: env.SIM_RUNNER_WORK, log, metricsHost: env.SIM_HOST, metricsPort: env.SIM_METRICS_PORT,
  runners: fleetFile.runners.map((r) => ({ id: r.id, token: r.token, limit: r.limit, requestConcurrency: r.requestConcurrency, diskUsedRatio: r.diskUsedRatio })),
});
process.stdout.write(`sim-runners started ${fleet.runners.size} runners, metrics on ${fleet.metricsUrl} (job work: ${env.SIM_RUNNER_WORK})\n`);

const shutdown = async () => {
  await fleet.close();
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
