#!/usr/bin/env node
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { composeNatsConf, helmNatsValues } from "./nats-deploy-config.js";

// Regenerates the NATS users and permissions of deploy/compose and deploy/kubernetes from
// libs/contracts/src/nats-permissions.ts (npm start builds its own at start-up). `--approver alice`
// (repeatable) adds a human approver with the CLI's rights under her own user, for your own deployment.
const { values } = parseArgs({ options: { approver: { type: "string", multiple: true, default: [] } } });
const approvers = values.approver ?? [];
const root = resolve(fileURLToPath(import.meta.url), "../../../..");
writeFileSync(resolve(root, "deploy/compose/nats/nats.conf"), composeNatsConf(approvers));
const helm = resolve(root, "deploy/kubernetes/helm-values/nats.yaml");
writeFileSync(helm, helmNatsValues(readFileSync(helm, "utf8"), approvers));
process.stdout.write("wrote deploy/compose/nats/nats.conf and deploy/kubernetes/helm-values/nats.yaml\n");
