#!/usr/bin/env node
// The `switchyard` command. This file is committed (with its run bit) so that `npm ci` can link it
// into node_modules/.bin: npm links a bin at install time and skips one whose target does not exist
// yet, and dist/ does not exist before the first build (nor keeps its run bit when a build cache
// restores it). Plain ESM JavaScript, so it runs unchanged on Node 20 and 24 with no loader flag; on a
// fresh clone it builds the CLI and the libraries it uses (tsc -b) once, then imports the built code.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("switchyard: first run, building the CLI (npm run build does this too)...\n");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const built = spawnSync(process.execPath, [tsc, "-b", fileURLToPath(new URL("..", import.meta.url))], { stdio: ["ignore", "inherit", "inherit"] });
  if (built.status !== 0) {
    process.stderr.write("switchyard: build failed; run `npm run build` and retry\n");
    process.exit(1);
  }
}
await import(main.href);
