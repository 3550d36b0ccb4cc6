#!/usr/bin/env node
// `npm run what-if:demo`: `switchyard what-if` against the simulated GitLab, loaded with five working days
// of a synthetic history (three projects of group acme, 10 runners), so the command runs with no GitLab.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createSimulatedGitLab } from "@switchyard/gitlab-sim";
import { createLogger } from "@switchyard/runtime";
import { syntheticHistory } from "./what-if/demo-history.js";

const { values } = parseArgs({ options: { out: { type: "string", default: "what-if-demo.html" }, days: { type: "string", default: "5" }, seed: { type: "string", default: "42" } } });
const days = Number(values.days), seed = Number(values.seed);
if (!(Number.isInteger(days) && days > 0 && Number.isInteger(seed))) {
  process.stderr.write("usage: npm run what-if:demo -- [--out what-if-demo.html] [--days 5] [--seed 42]\n");
  process.exit(2);
}
// A throwaway token for this run only: the simulated GitLab's admin token.
const token = `glpat-demo-${randomBytes(12).toString("hex")}`;
const history = syntheticHistory(seed, days);
const sim = await createSimulatedGitLab({ adminToken: token, log: createLogger({ name: "sim-gitlab", level: "warn" }), runners: history.runners });
for (const job of history.jobs) sim.recordFinishedJob(job);
process.stderr.write(`simulated GitLab at ${sim.url}: ${history.jobs.length} finished jobs of group acme, ${history.runners.length} runners\n`);
const main = fileURLToPath(new URL("./main.js", import.meta.url));
const args = ["what-if", "--url", sim.url, "--group", "acme", "--out", resolve(values.out)];
process.stderr.write(`$ SWITCHYARD_GITLAB_TOKEN=… switchyard ${args.join(" ")}\n`);
const code = await new Promise<number>((done) => {
  const child = execFile(process.execPath, [main, ...args], { env: { ...process.env, SWITCHYARD_GITLAB_TOKEN: token } }, (err) => done(err ? Number((err as { code?: number }).code ?? 1) : 0));
  child.stdout?.pipe(process.stdout);
  child.stderr?.pipe(process.stderr);
});
await sim.close();
process.exit(code);
