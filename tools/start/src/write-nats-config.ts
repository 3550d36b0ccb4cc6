#!/usr/bin/env node
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { composeNatsConf, generateNatsNkeys, helmNatsValues, nkeyNatsAuthorization } from "./nats-deploy-config.js";

// Regenerates the NATS users and permissions of deploy/compose and deploy/kubernetes from
// libs/contracts/src/nats-permissions.ts (npm start builds its own at start-up). `--approver alice`
// (repeatable) adds a human approver with the CLI's rights under her own user, for your own deployment.
// `--nkeys DIR` instead writes nkey users: DIR/<user>.nk (each agent's seed, mode 0600) and
// DIR/nats-authorization.conf (public keys and permissions only) to `include` from your nats.conf.
const { values } = parseArgs({ options: { approver: { type: "string", multiple: true, default: [] }, nkeys: { type: "string" } } });
const approvers = values.approver ?? [];
if (values.nkeys) {
  const dir = resolve(values.nkeys);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = generateNatsNkeys(approvers);
  for (const [user, key] of Object.entries(keys)) writeFileSync(join(dir, `${user}.nk`), `${key.seed}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "nats-authorization.conf"), nkeyNatsAuthorization(keys, undefined, approvers));
  process.stdout.write(`wrote ${Object.keys(keys).length} seeds (<user>.nk) and nats-authorization.conf to ${dir}\n`);
  process.exit(0);
}
const root = resolve(fileURLToPath(import.meta.url), "../../../..");
writeFileSync(resolve(root, "deploy/compose/nats/nats.conf"), composeNatsConf(approvers));
const helm = resolve(root, "deploy/kubernetes/helm-values/nats.yaml");
writeFileSync(helm, helmNatsValues(readFileSync(helm, "utf8"), approvers));
process.stdout.write("wrote deploy/compose/nats/nats.conf and deploy/kubernetes/helm-values/nats.yaml\n");
