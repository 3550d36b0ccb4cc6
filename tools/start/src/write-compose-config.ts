#!/usr/bin/env node
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateFleet } from "@switchyard/gitlab-sim";
import { writeDemoConfig } from "./demo-config.js";

// Regenerates deploy/compose/config from the same code as `npm start`, with compose's service names.
// The tokens in it belong to the simulated GitLab only.
const root = resolve(fileURLToPath(import.meta.url), "../../../..");
const fleet = generateFleet({ runnersPerPool: 6, seed: 42 });
writeDemoConfig(resolve(root, "deploy/compose/config"), fleet, { gitlab: 80, broker: 8080, runnersMetrics: 9252 }, { speed: 60 },
  { gitlab: "sim-gitlab", broker: "assigner", brokerListen: "0.0.0.0", runners: "sim-runners" });
process.stdout.write("wrote deploy/compose/config\n");
