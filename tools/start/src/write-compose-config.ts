#!/usr/bin/env node
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeComposeConfig } from "./compose-config.js";

// Regenerates deploy/compose/config; tools/start/test/compose-config.test.ts fails when it is stale.
const root = resolve(fileURLToPath(import.meta.url), "../../../..");
writeComposeConfig(resolve(root, "deploy/compose/config"));
process.stdout.write("wrote deploy/compose/config\n");
