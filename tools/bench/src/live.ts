#!/usr/bin/env node
// Live benchmark: `npm run bench [-- --help]` from the repository root.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createLogger } from "@switchyard/runtime";
import { runLiveBench } from "./live/run-live-bench.js";
import { liveTables, repeatTables } from "./live/live-table.js";
import { LIVE_RUNS_SCHEMA, type LiveResults } from "./live/live-results.js";
import { summarizeRuns } from "./live/repeat-summary.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const HELP = `Usage: node tools/bench/dist/live.js [options]
  --rates <list>        jobs/s per step (default 50,100,200,500,1000,2000)
  --step-seconds <n>    seconds per step (default 15)
  --warmup-seconds <n>  unreported warm-up at the first rate (default 3)
  --runners <n>         simulated runners (default 500)
  --pools <n>           pools the runners are split over (default 1)
  --limit <n>           slots per runner (default 4)
  --speed <n>           simulated seconds per real second (default 60)
  --job-seconds <n>     simulated seconds each job runs (default 6, i.e. 0.1 s real at speed 60)
  --profile <agents>    comma-separated agents to run with node --cpu-prof (e.g. assigner,scorer)
  --full-runners        sim runners do gitlab-runner's full work per job (5 trace PATCHes, the simulated run time);
                        default: light runners (PUT running, then the final PUT at once), so the agents are measured
  --memory              preload a sampler into each agent; report where its memory goes at its peak RSS
                        (file-backed, V8 heap spaces, malloc, other native; tools/bench/README.md "Memory")
  --agent-node-flags=<flags>  the agents' node flags instead of AGENT_NODE_FLAGS, e.g.
                        --agent-node-flags="--max-old-space-size=96 --max-semi-space-size=4" (with "=": the value starts with --)
  --agent-env=<vars>    the agents' extra environment instead of AGENT_ENV, e.g. --agent-env="MALLOC_ARENA_MAX=2" (--agent-env= for none)
  --repeat <n>          whole runs, each on a fresh system; figures are their median (min–max) (default 3)
  --out <json>          results JSON (default bench-results/live.json)
NATS_URL / REDIS_URL pick the servers; without NATS_URL it starts nats-server with a user per agent (as npm start), without REDIS_URL it uses 127.0.0.1 or starts redis-server.`;

const { values } = parseArgs({
  options: {
    rates: { type: "string", default: "50,100,200,500,1000,2000" }, "step-seconds": { type: "string", default: "15" },
    "warmup-seconds": { type: "string", default: "3" }, runners: { type: "string", default: "500" }, pools: { type: "string", default: "1" },
    limit: { type: "string", default: "4" }, speed: { type: "string", default: "60" }, "job-seconds": { type: "string", default: "6" },
    profile: { type: "string", default: "" }, "full-runners": { type: "boolean", default: false }, memory: { type: "boolean", default: false }, "agent-node-flags": { type: "string" }, "agent-env": { type: "string" }, repeat: { type: "string", default: "3" }, out: { type: "string", default: "bench-results/live.json" }, help: { type: "boolean", default: false },
  },
});
if (values.help) { console.log(HELP); process.exit(0); }

const workDir = join(ROOT, ".switchyard-bench");
const repeat = Math.max(1, Number(values.repeat));
const runs: LiveResults[] = [];
for (let run = 1; run <= repeat; run++) {
  process.stderr.write(`run ${run}/${repeat}\n`);
  runs.push(await runOnce());
}
const summary = summarizeRuns(runs);

const out = resolve(ROOT, values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ schema: LIVE_RUNS_SCHEMA, runs, summary }, null, 2)}\n`);
const last = runs[runs.length - 1]!;
process.stdout.write(`Last run:\n${liveTables(last)}\n\n${repeatTables(summary)}\n\nJSON: ${out}${values.profile ? `\nCPU profiles: ${join(workDir, "profiles")}` : ""}\n`);
process.exit(0);

/** "A=1 B=2" → { A: "1", B: "2" }. */
function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(text.split(/\s+/).filter(Boolean).map((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`--agent-env: ${pair} is not NAME=value`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }));
}

function runOnce(): Promise<LiveResults> {
  return runLiveBench({
    root: ROOT, workDir, prefix: `bench_${randomBytes(4).toString("hex")}`,
    rates: values.rates.split(",").map(Number), stepSeconds: Number(values["step-seconds"]), warmupSeconds: Number(values["warmup-seconds"]),
    runners: Number(values.runners), pools: Number(values.pools), limit: Number(values.limit), speed: Number(values.speed),
    jobSeconds: Number(values["job-seconds"]), runnerWork: values["full-runners"] ? "full" : "light", profile: values.profile ? values.profile.split(",") : [],
    memory: values.memory, ...(values["agent-node-flags"] !== undefined ? { agentNodeFlags: values["agent-node-flags"].split(/\s+/).filter(Boolean) } : {}),
    ...(values["agent-env"] !== undefined ? { agentEnv: parseEnv(values["agent-env"]) } : {}),
    natsUrl: process.env.NATS_URL, redisUrl: process.env.REDIS_URL,
    // Five minutes in all: leave room for start-up and shutdown.
    deadlineMs: 4 * 60_000,
  }, { log: createLogger({ name: "bench", level: "warn" }), progress: (line) => process.stderr.write(`${line}\n`) });
}
