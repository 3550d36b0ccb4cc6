#!/usr/bin/env node
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { contracts, type Decision } from "@switchyard/contracts";
import { generateFleet } from "@switchyard/gitlab-sim";
import { connectNats, connectRedis, createBus, createLogger, createMetrics, deletePrefixKeys, deleteStream, formatDecision, freePort, redisKeys, withoutCredentials } from "@switchyard/runtime";
import { agentExecArgv, agentProcessEnv, startChild, type Child } from "./children.js";
import { writeDemoConfig } from "./demo-config.js";
import { formatWaitSummary, olderJobsWaiting, readShadowReport } from "./demo-report.js";
import { findOrStartNats } from "./local-nats.js";
import { findOrStartRedis, type LocalService } from "./local-services.js";

// `npm start`: the whole system on a simulated GitLab fleet, every process a child of this one.
const root = resolve(fileURLToPath(import.meta.url), "../../../..");
const { values } = parseArgs({ options: {
  "runners-per-pool": { type: "string", default: "6" },
  rate: { type: "string", default: "12" },
  speed: { type: "string", default: "60" },
  seed: { type: "string", default: "42" },
  // Bursts: whole pipelines at once, so a queue forms and production deploys overtake it. --light: the rate alone.
  burst: { type: "string", default: "20" },
  "burst-every": { type: "string", default: "60" },
  light: { type: "boolean", default: false },
  "summary-every": { type: "string", default: "15" },
  prefix: { type: "string", default: "switchyard_demo" },
  "work-dir": { type: "string", default: join(root, ".switchyard-demo") },
} });
const prefix = values.prefix;
const workDir = resolve(values["work-dir"]);
const log = createLogger({ name: "start", level: "warn" });
const say = (line: string) => process.stdout.write(`${line}\n`);

const services: LocalService[] = [];
const children: Child[] = [];
let stopping = false;
let closeReader: (() => Promise<unknown>) | null = null;

async function stopAll(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  say("\nstopping…");
  // The monitor first, then the rest in reverse start order: it watches the simulated runners and the
  // assigner, and would log each runner's metrics failing (and its watchdog react) as they go.
  const order = [...children].reverse().sort((a, b) => Number(b.name === "monitor") - Number(a.name === "monitor"));
  for (const child of order) await child.stop();
  await closeReader?.().catch(() => undefined);
  for (const service of services.reverse()) await service.stop();
  say(`stopped; logs kept in ${join(workDir, "logs")}`);
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

try {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(workDir, "logs"), { recursive: true });
  const nats = await findOrStartNats(process.env.NATS_URL, { prefix, logFile: join(workDir, "logs", "nats-server.log"), warn: (line) => say(`WARNING: ${line}`) });
  services.push(nats);
  const redisService = await findOrStartRedis(process.env.REDIS_URL);
  services.push(redisService);
  // Each process reads its NATS URL (with its own user's password) from a 0600 file, never from the console.
  const secrets = join(workDir, "secrets");
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const natsUrlFile = (user: string) => {
    const file = join(secrets, `${user}-nats-url`);
    writeFileSync(file, nats.urlFor(user), { mode: 0o600 });
    return file;
  };
  say(`NATS  ${withoutCredentials(nats.url)}${nats.startedHere ? " (started here" : ""}${nats.authenticated ? ", one user per agent: NATS URLs in " + secrets : ""}${nats.startedHere ? ")" : ""}`);
  say(`Redis ${redisService.url}${redisService.startedHere ? " (started here)" : ""}`);

  // A fresh demo every time: the demo prefix's keys and streams are cleared first.
  const redis = await connectRedis(redisService.url, "switchyard-start", log);
  await deletePrefixKeys(redis, prefix);
  await redis.quit();
  const nc = await connectNats(nats.urlFor("cli"), "switchyard-start", log);
  const bus = createBus({ nc, prefix, agent: "start", log, metrics: createMetrics("start") });
  // A NATS started here is new, and its users may not delete streams.
  if (!nats.startedHere) {
    await deleteStream(nc, bus.subjects.outcomeStream);
    await deleteStream(nc, bus.subjects.deadLetterStream);
  }
  const fleet = generateFleet({ runnersPerPool: Number(values["runners-per-pool"]), seed: Number(values.seed) });
  const ports = { gitlab: await freePort(), broker: await freePort(), runnersMetrics: await freePort() };
  const bursts = !values.light && Number(values.burst) > 0;
  // A deep look-ahead under bursts: the backlog queues in Switchyard, where it can be reordered, not in GitLab.
  const layout = writeDemoConfig(workDir, fleet, ports, { speed: Number(values.speed), ...(bursts ? { lookahead: 100 } : {}) });
  const onImportantLine = (name: string, line: string) => say(`[${name}] ${line.slice(0, 400)}`);
  const child = (name: string, script: string, env: Record<string, string>) => {
    const c = startChild({ name, script: join(root, script), env: { ...agentProcessEnv(name), ...env }, execArgv: agentExecArgv(name), logFile: join(workDir, "logs", `${name}.log`), onImportantLine });
    children.push(c);
    return c;
  };
  const sim = child("sim-gitlab", "libs/gitlab-sim/dist/gitlab-main.js", {
    SIM_PORT: String(ports.gitlab), SIM_FLEET_FILE: layout.fleetFile, SIM_RATE: String(values.rate), SIM_SPEED: String(values.speed), SIM_SEED: String(values.seed),
    ...(bursts ? { SIM_BURST_PIPELINES: String(values.burst), SIM_BURST_EVERY_MINUTES: String(values["burst-every"]), SIM_BURST_FIRST_AFTER_MINUTES: "10", SIM_PRODUCTION_SHARE: "0.5" } : {}),
  });
  await sim.waitForLine(/sim-gitlab listening on (\S+)/);

  const agentEnv = (agent: string, config: string, port: number) => ({
    // An explicit NATS_URL is inherited as it is; NATS_URL_FILE beside it would be refused as ambiguous.
    ...(nats.authenticated ? { NATS_URL_FILE: natsUrlFile(agent) } : { NATS_URL: nats.url }), REDIS_URL: redisService.url, SWITCHYARD_SUBJECT_PREFIX: prefix, SWITCHYARD_KEY_PREFIX: prefix,
    SWITCHYARD_CONFIG: config, SWITCHYARD_HTTP_PORT: String(port), SWITCHYARD_LOG_LEVEL: "info",
  });
  const agentPorts: Record<string, number> = {};
  for (const [name, config] of [["scorer", layout.scorerConfig], ["optimizer", layout.optimizerConfig], ["monitor", layout.monitorConfig], ["assigner", layout.assignerConfig]] as const) {
    agentPorts[name] = await freePort();
    const agent = child(name, `services/${name}/dist/main.js`, agentEnv(name, config, agentPorts[name]));
    await agent.waitForLine(new RegExp(`${name} listening`));
  }
  const runners = child("sim-runners", "libs/gitlab-sim/dist/runners-main.js", {
    SIM_BROKER_URL: layout.brokerUrl, SIM_FLEET_FILE: layout.fleetFile, SIM_SPEED: String(values.speed), SIM_METRICS_PORT: String(ports.runnersMetrics),
  });
  await runners.waitForLine(/sim-runners started/);

  say("");
  say(`Switchyard is running on a simulated fleet: ${fleet.runners.length} runners in pools ${fleet.pools.map((p) => p.name).join(", ")}; 1 simulated minute = ${(60 / Number(values.speed)).toFixed(1)} s.`);
  say(bursts
    ? `  load: ${values.rate} pipelines a minute plus a burst of ${values.burst} every ${values["burst-every"]} simulated minutes (--light: no bursts)`
    : `  load: ${values.rate} pipelines a minute, no bursts (light mode)`);
  say(`  dashboard     http://127.0.0.1:${agentPorts.monitor}/`);
  for (const [name, port] of Object.entries(agentPorts)) say(`  ${name.padEnd(13)} http://127.0.0.1:${port}/metrics`);
  say(`  broker        ${layout.brokerUrl} (what runners use as their GitLab url)`);
  say(`  simulated GitLab ${`http://127.0.0.1:${ports.gitlab}`}`);
  const cliUrl = natsUrlFile("cli");
  // Everything the CLI needs to talk to this demo (its NATS user, Redis, prefixes), for the README's
  // "Watching it" commands: `set -a; . .switchyard-demo/cli.env; set +a`. No secret in it: the NATS URL
  // with the password stays in its 0600 file.
  const cliEnv = join(workDir, "cli.env");
  // A Redis URL with a password came from the operator's own REDIS_URL, which the CLI then reads from the
  // same environment; it is not copied into a file.
  const redisLine = withoutCredentials(redisService.url) === redisService.url ? [`REDIS_URL=${redisService.url}`] : [];
  const cliEnvLines = [`NATS_URL_FILE=${cliUrl}`, ...redisLine, `SWITCHYARD_SUBJECT_PREFIX=${prefix}`, `SWITCHYARD_KEY_PREFIX=${prefix}`];
  writeFileSync(cliEnv, `${cliEnvLines.join("\n")}\n`);
  say(`  CLI:    set -a; . ${cliEnv}; set +a   (then npx switchyard watch, add-runner, tiers…)`);
  say(`  watch:  SWITCHYARD_SUBJECT_PREFIX=${prefix} NATS_URL_FILE=${cliUrl} npx switchyard watch`);
  say(`     or:  nats --server "$(cat ${cliUrl})" sub '${prefix}.decision.>'`);
  say(`  logs:   ${join(workDir, "logs")}`);
  say("Ctrl-C stops everything.\n");

  const modes: Record<string, number> = {};
  const keys = redisKeys(prefix);
  const reader = await connectRedis(redisService.url, "switchyard-start-report", log);
  closeReader = () => reader.quit();
  let overtakes = 0;
  bus.subscribe(contracts.decision, bus.subjects.decisionAll, (d: Decision) => {
    modes[d.mode] = (modes[d.mode] ?? 0) + 1;
    say(formatDecision(d));
    if (d.jobClass !== "production-deploy" || d.runnerId === null) return;
    void olderJobsWaiting(reader, keys, d).then((older) => {
      if (older === 0) return;
      overtakes++;
      say(`  ↑ production deploy job ${d.jobId} placed ahead of ${older} older job${older === 1 ? "" : "s"} still queued in ${d.pool}`);
    }).catch(() => undefined);
  });
  const summary = setInterval(() => {
    say(`— decisions so far: ${Object.entries(modes).map(([m, n]) => `${m} ${n}`).join(", ") || "none yet"}; production deploys that overtook a queue: ${overtakes}`);
    void readShadowReport(reader, keys).then((report) => { for (const line of formatWaitSummary(report, Date.now())) say(line); }).catch(() => undefined);
  }, Number(values["summary-every"]) * 1000);
  summary.unref();
} catch (err) {
  say(`npm start failed: ${(err as Error).message}`);
  await stopAll(1);
}

