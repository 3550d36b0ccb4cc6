#!/usr/bin/env node
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { composeNatsConf, helmNatsValues } from "./nats-deploy-config.js";

// Regenerates the NATS users and permissions of deploy/compose and deploy/kubernetes from
// libs/contracts/src/nats-permissions.ts (npm start builds its own at start-up).
const root = resolve(fileURLToPath(import.meta.url), "../../../..");
writeFileSync(resolve(root, "deploy/compose/nats/nats.conf"), composeNatsConf());
const helm = resolve(root, "deploy/kubernetes/helm-values/nats.yaml");
writeFileSync(helm, helmNatsValues(readFileSync(helm, "utf8")));
process.stdout.write("wrote deploy/compose/nats/nats.conf and deploy/kubernetes/helm-values/nats.yaml\n");
