#!/usr/bin/env node
// Hand-off through the broker against a direct long poll: `npm run bench:handoff [-- --help]`.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createLogger } from "@switchyard/runtime";
import { formatSpread } from "./live/repeat-summary.js";
import { runHandoffBench } from "./live/run-handoff-bench.js";
import { describeRunnerWork } from "./live/live-system.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const HELP = `Usage: node tools/bench/dist/handoff.js [options]
  --runners <list>   runner counts compared (default 50,500)
  --rate <n>         jobs/s offered while measuring (default 10)
  --seconds <n>      seconds offered per run (default 10)
  --warmup <n>       seconds offered first and not counted (default 8)
  --full-runners     sim runners do gitlab-runner's full work per job (default: light, acknowledge and finish)
  --repeat <n>       runs per runner count and mode; figures are their median (min–max) (default 3)
  --out <json>       results JSON (default bench-results/handoff.json)
Each run starts the sim GitLab and the sim runners; "broker" also starts the four agents and points the
runners at Switchyard, "direct" registers every runner with the sim GitLab under its own token.`;

const { values } = parseArgs({
  options: {
    runners: { type: "string", default: "50,500" }, rate: { type: "string", default: "10" }, seconds: { type: "string", default: "10" }, warmup: { type: "string", default: "8" },
    repeat: { type: "string", default: "3" }, "full-runners": { type: "boolean", default: false }, out: { type: "string", default: "bench-results/handoff.json" }, help: { type: "boolean", default: false },
  },
});
if (values.help) { console.log(HELP); process.exit(0); }

const results = await runHandoffBench({
  root: ROOT, workDir: join(ROOT, ".switchyard-bench-handoff"), runnerCounts: values.runners.split(",").map(Number), rate: Number(values.rate),
  seconds: Number(values.seconds), warmupSeconds: Number(values.warmup), repeat: Math.max(1, Number(values.repeat)), jobSeconds: 6, limit: 4, pools: 1, speed: 60, runnerWork: values["full-runners"] ? "full" : "light",
  natsUrl: process.env.NATS_URL, redisUrl: process.env.REDIS_URL, prefixFor: (label) => `handoff_${label}_${randomBytes(3).toString("hex")}`,
}, { log: createLogger({ name: "bench", level: "warn" }), progress: (line) => process.stderr.write(`${line}\n`) });

const out = resolve(ROOT, values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
const rows = results.cases.map((c) => [String(c.runners), formatSpread(c.direct.p50), formatSpread(c.direct.p99), formatSpread(c.broker.p50), formatSpread(c.broker.p99), c.addedP50 === null ? "-" : String(c.addedP50)]);
const head = ["runners", "direct p50 ms", "direct p99 ms", "broker p50 ms", "broker p99 ms", "broker − direct p50"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((v, i) => v.padStart(widths[i]!)).join("  ");
// Where the broker's hand-off goes, per runner count: one row per stage, p50 and p99 medians over the runs.
const stageHead = ["runners", "broker stage", "p50 ms", "p99 ms"];
const stageRows = results.cases.flatMap((c) => c.broker.stages.map((st) => [String(c.runners), st.stage, formatSpread(st.p50), formatSpread(st.p99)]));
const stageWidths = stageHead.map((h, i) => Math.max(h.length, ...stageRows.map((r) => r[i]!.length)));
const stageLine = (r: string[]) => r.map((v, i) => (i === 1 ? v.padEnd(stageWidths[i]!) : v.padStart(stageWidths[i]!))).join("  ");
const stages = stageRows.length === 0 ? [] : ["", "Broker hand-off by stage (gitlab: job created → handed out on the pool's jobs/request; then switchyard_handoff_stage_seconds):", stageLine(stageHead), ...stageRows.map(stageLine)];
process.stdout.write([`Load driver: ${describeRunnerWork(results.config.runnerWork)}.`, line(head), ...rows.map(line), ...stages, "", ...results.goals.map((g) => `${g.goal}: ${g.figure} [${g.met === null ? "not measured" : g.met ? "met" : "NOT met"}]`), "", `JSON: ${out}`].join("\n") + "\n");
process.exit(0);
