import { createLogger } from "@switchyard/runtime";
import { parseSimEnv } from "./sim-config.js";
import { fleetRegistrations, generateFleet, readFleetFile } from "./fleet/fleet-file.js";
import { createSimulatedGitLab } from "./gitlab/simulated-gitlab.js";
import { createWorkload } from "./workload/workload.js";

// Composition root of the sim GitLab process: fleet → registrations → server → workload.
const env = parseSimEnv(process.env);
const log = createLogger({ name: "sim-gitlab", level: env.SIM_LOG_LEVEL });
const fleet = env.SIM_FLEET_FILE ? readFleetFile(env.SIM_FLEET_FILE) : generateFleet({ seed: env.SIM_SEED });
const gitlab = await createSimulatedGitLab({
  host: env.SIM_HOST, port: env.SIM_PORT, adminToken: fleet.gitlab.adminToken, runners: fleetRegistrations(fleet),
  speed: env.SIM_SPEED, longPollMs: env.SIM_LONG_POLL_MS, enforceJobTimeout: env.SIM_ENFORCE_JOB_TIMEOUT, log,
});
// Burst intervals are simulated minutes; the workload's timers run on the wall clock.
const simMinuteMs = 60_000 / env.SIM_SPEED;
const burst = env.SIM_BURST_PIPELINES > 0 ? {
  pipelines: env.SIM_BURST_PIPELINES, everyMs: env.SIM_BURST_EVERY_MINUTES * simMinuteMs,
  ...(env.SIM_BURST_FIRST_AFTER_MINUTES !== undefined ? { firstAfterMs: env.SIM_BURST_FIRST_AFTER_MINUTES * simMinuteMs } : {}),
} : undefined;
const workload = createWorkload({
  gitlab: gitlab.pipelines, rate: env.SIM_RATE, seed: env.SIM_SEED, productionShare: env.SIM_PRODUCTION_SHARE, log, ...(burst ? { burst } : {}),
});
workload.start();
process.stdout.write(`sim-gitlab listening on ${gitlab.url}\n`);

const shutdown = async () => {
  workload.stop();
  await gitlab.close();
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
