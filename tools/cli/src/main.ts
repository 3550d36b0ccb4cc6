#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { stringify as toToml } from "smol-toml";
import { AssignerSettingsV1, TrustTierSchema, contracts, type ApprovalResult, type AssignerSettings, type Contract } from "@switchyard/contracts";
import {
  ConfigError, connectNats, connectRedis, natsServerOptions, createBus, createLogger, createMetrics, createRecordReader, createRunnerRegistry, DEFAULT_TOKEN_CACHE_TTL_MS, newRunnerToken, formatDecision, loadConfig, withoutCredentials, redisKeys,
  type Bus, type Logger,
} from "@switchyard/runtime";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Redis } from "ioredis";
import { stringify as toYaml } from "yaml";
import { AGENT_NAMES, checkAgentConfig } from "./check-config.js";
import { importRunnerConfig, RunnerConfigError } from "./import-runner-config.js";
import { BUILT_IN_CLASSES, cliConfigSchema, DEMO_POOLS, type CliConfig } from "./cli-config.js";
import { WHAT_IF_USAGE, whatIf, whatIfOptions } from "./what-if/what-if-command.js";

// `switchyard watch | head` closes the pipe: that ends the command quietly, as for any Unix filter,
// instead of an unhandled EPIPE stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => { if (err.code === "EPIPE") process.exit(0); else throw err; });

/** Exit codes; the README's CLI section documents the same table. */
export const EXIT = { ok: 0, internal: 1, usage: 2, unreachable: 3, refused: 4 } as const;

/** An error the CLI reports as one line on stderr, then exits with its code. */
class CliError extends Error {
  constructor(readonly exitCode: number, message: string) { super(message); }
}

type Options = NonNullable<ParseArgsConfig["options"]>;
interface Command {
  usage: string;
  summary: string;
  options: Options;
  run(args: string[], values: Record<string, string | boolean | string[] | undefined>): Promise<void>;
}

const WATCH_FILTERS = ["decisions", "outcomes", "events", "approvals", "deadletters", "all"] as const;
const by: Options = { by: { type: "string" } };
const json: Options = { json: { type: "boolean" } };
const NAME = /^[A-Za-z0-9_-]{1,128}$/;

const COMMANDS: Record<string, Command> = {
  watch: {
    usage: `watch [${WATCH_FILTERS.join("|")}] [--json]`, summary: "print live messages until Ctrl-C (default: decisions; --json: one JSON object per line)", options: json,
    run: ([what = "decisions", ...rest], v) => { noExtra("watch", rest); return watch(what, v.json === true); },
  },
  "add-runner": {
    usage: "add-runner --pool <pool> [--id <runner-id>]", summary: "issue a runner token, print the config.toml lines",
    options: { pool: { type: "string" }, id: { type: "string" } },
    run: (rest, v) => { noExtra("add-runner", rest); return addRunner(v.pool as string | undefined, v.id as string | undefined); },
  },
  approve: {
    usage: "approve <decision-id> [--by <name>]", summary: "approve a supervised decision", options: by,
    run: ([id, ...rest], v) => { noExtra("approve", rest); return answer(true, id, v.by as string | undefined); },
  },
  reject: {
    usage: "reject <decision-id> [--by <name>]", summary: "reject a supervised decision (the FIFO runner gets the job)", options: by,
    run: ([id, ...rest], v) => { noExtra("reject", rest); return answer(false, id, v.by as string | undefined); },
  },
  tiers: {
    usage: "tiers [--json]", summary: "trust tiers applied by operators, and the optimizer's proposals", options: json,
    run: (rest, v) => { noExtra("tiers", rest); return showTiers(v.json === true); },
  },
  tier: {
    usage: "tier <job-class> <advisory|supervised|autonomous> [--by <name>]", summary: "apply a trust tier to a class (next jobs on)", options: by,
    run: ([jobClass, tier, ...rest], v) => { noExtra("tier", rest); return applyTier(jobClass, tier, v.by as string | undefined); },
  },
  runners: {
    usage: "runners list [--json] | runners remove <id> | runners rotate <id>", summary: "list runners, remove one, or issue it a new token", options: json,
    run: ([sub, id, ...rest], v) => { noExtra("runners", rest); return runners(sub, id, v.json === true); },
  },
  "import-runner-config": {
    usage: "import-runner-config <config.toml> [--broker-url <url>] [--json]", summary: "turn gitlab-runner's config.toml into Switchyard's pools, runners and SLI config, and the runners' new config.toml",
    options: { ...json, "broker-url": { type: "string" } },
    run: ([file, ...rest], v) => { noExtra("import-runner-config", rest); return importConfig(file, v["broker-url"] as string | undefined, v.json === true); },
  },
  "check-config": {
    usage: `check-config <${AGENT_NAMES.join("|")}> <file> [--json]`, summary: "validate an agent's config file (with this env) using the agent's own schema", options: json,
    run: ([agent, file, ...rest], v) => { noExtra("check-config", rest); return checkConfig(agent, file, v.json === true); },
  },
  "what-if": {
    usage: WHAT_IF_USAGE, summary: "replay your GitLab job history under FIFO, fair, priority and Switchyard; write an HTML report",
    options: whatIfOptions,
    run: (rest, v) => { noExtra("what-if", rest); return whatIf(v, config, { fail, exit: EXIT }); },
  },
};

const USAGE = `usage: switchyard <command> [options]   (switchyard <command> --help for one command)
${Object.values(COMMANDS).map((c) => (c.usage.length < 64 ? `  ${c.usage.padEnd(66)}${c.summary}` : `  ${c.usage}\n  ${"".padEnd(66)}${c.summary}`)).join("\n")}
options: -h, --help   --version
env: NATS_URL, REDIS_URL, SWITCHYARD_SUBJECT_PREFIX, SWITCHYARD_KEY_PREFIX, SWITCHYARD_BROKER_URL, SWITCHYARD_POOLS, SWITCHYARD_JOB_CLASSES,
     SWITCHYARD_GITLAB_URL, SWITCHYARD_GITLAB_TOKEN (or SWITCHYARD_GITLAB_TOKEN_FILE; what-if)`;

let config: Readonly<CliConfig>;
let log: Logger;

function fail(message: string, exitCode: number = EXIT.usage): never {
  throw new CliError(exitCode, message);
}

function noExtra(command: string, rest: string[]): void {
  if (rest.length > 0) fail(`${command}: unexpected argument '${rest[0]}' (usage: switchyard ${COMMANDS[command]!.usage})`);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (first === "--version") { process.stdout.write(`switchyard ${version()}\n`); return; }
  const command = COMMANDS[first];
  if (!command) fail(first.startsWith("-") ? `unknown option '${first}' (see switchyard --help)` : `unknown command '${first}' (commands: ${Object.keys(COMMANDS).join(", ")})`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { ...command.options, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    fail(`${first}: ${(err as Error).message.split("\n")[0]!.replace(/\. To specify a positional.*$/, "")} (usage: switchyard ${command.usage})`);
  }
  if (parsed.values.help) { process.stdout.write(`usage: switchyard ${command.usage}\n  ${command.summary}\n`); return; }
  try {
    config = loadConfig(cliConfigSchema);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message.replace(/\n\s*/g, " "));
    throw err;
  }
  log = createLogger({ name: "cli", level: config.logLevel === "info" ? "error" : config.logLevel });
  await command.run(parsed.positionals, parsed.values);
}

async function nats(): Promise<{ nc: NatsConnection; bus: Bus }> {
  let nc: NatsConnection;
  try {
    nc = await connectNats(config.natsUrl, "switchyard-cli", log);
  } catch (err) {
    fail(`cannot reach NATS at ${withoutCredentials(config.natsUrl)}: ${(err as Error).message}`, EXIT.unreachable);
  }
  return { nc, bus: createBus({ nc, prefix: config.subjectPrefix, agent: "cli", log, metrics: createMetrics("cli") }) };
}

async function redis(): Promise<Redis> {
  try {
    const r = await connectRedis(config, "switchyard-cli", log);
    r.on("error", () => undefined);
    return r;
  } catch (err) {
    fail(`cannot reach Redis at ${withoutCredentials(config.redisUrl)}: ${(err as Error).message}`, EXIT.unreachable);
  }
}

/** The running assigner's settings (AssignerSettingsV1), or undefined when none has recorded them. */
async function runningSettings(r: Redis): Promise<AssignerSettings | undefined> {
  const raw = await redisCall(r.get(redisKeys(config.keyPrefix).assignerSettings));
  return createRecordReader(log).json("assigner.settings", AssignerSettingsV1, raw);
}

/**
 * What an operator's input is checked against, and where it came from: the CLI's own setting when
 * given (env), else the running assigner's recorded config, else the built-in default.
 */
function choose<T>(own: T | undefined, running: T | undefined, fallback: T, what: string): { value: T; source: string } {
  if (own !== undefined) return { value: own, source: `set ${what}` };
  if (running !== undefined) return { value: running, source: "the running assigner's config" };
  return { value: fallback, source: `no assigner has recorded its config; set ${what}` };
}

/** A Redis command failed after connecting: the server went away. */
async function redisCall<T>(op: Promise<T>): Promise<T> {
  try { return await op; } catch (err) { fail(`Redis at ${withoutCredentials(config.redisUrl)} failed: ${(err as Error).message}`, EXIT.unreachable); }
}

async function watch(what: string, asJson: boolean): Promise<void> {
  if (!(WATCH_FILTERS as readonly string[]).includes(what)) fail(`watch: unknown filter '${what}' (one of ${WATCH_FILTERS.join(", ")})`);
  const { nc, bus } = await nats();
  const s = bus.subjects;
  const print = <T>(c: Contract<T>, subject: string, fmt: (p: T) => string) =>
    bus.subscribe(c, subject, (p) => { process.stdout.write(`${fmt(p)}\n`); });
  const json = (p: unknown) => JSON.stringify(p);
  if (what === "decisions" || what === "all") print(contracts.decision, s.decisionAll, asJson ? json : formatDecision);
  if (what === "outcomes" || what === "all") print(contracts.jobOutcome, s.jobOutcomeAll, json);
  if (what === "events" || what === "all") print(contracts.fleetEvent, s.eventAll, json);
  if (what === "approvals" || what === "all") print(contracts.approvalRequest, s.approvalRequestAll, json);
  if (what === "deadletters" || what === "all") print(contracts.deadLetter, s.deadLetterAll, json);
  await nc.flush();
  process.stderr.write(`watching ${what} on ${withoutCredentials(config.natsUrl)} (prefix ${config.subjectPrefix}); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => { process.once("SIGINT", resolve); process.once("SIGTERM", resolve); });
  await nc.drain();
}

async function addRunner(pool: string | undefined, givenId: string | undefined): Promise<void> {
  if (!pool) fail("add-runner: --pool <pool> is required");
  if (givenId !== undefined && !NAME.test(givenId)) fail(`add-runner: --id must be 1-128 of A-Z a-z 0-9 _ - (got ${JSON.stringify(givenId)})`);
  const r = await redis();
  const running = await runningSettings(r);
  const pools = choose(config.pools, running?.pools, DEMO_POOLS, "SWITCHYARD_POOLS");
  if (!pools.value.includes(pool)) { await r.quit(); fail(`add-runner: unknown pool '${pool}' (known: ${pools.value.join(", ")}, from ${pools.source})`, EXIT.refused); }
  const brokerUrl = config.brokerUrl ?? running?.publicUrl ?? undefined;
  if (!brokerUrl) { await r.quit(); fail("add-runner: no broker URL for the runners: set SWITCHYARD_BROKER_URL, or the assigner's publicUrl"); }
  const id = givenId ?? `r-${randomBytes(3).toString("hex")}`;
  const token = newRunnerToken();
  const keys = redisKeys(config.keyPrefix);
  // Claim the id first, atomically: a second add-runner for the same id must not issue a second token.
  const claimed = await redisCall(r.hsetnx(keys.runnerRegistry, id, JSON.stringify({ id, pool })));
  if (claimed === 0) { await r.quit(); fail(`add-runner: runner '${id}' already exists; pick another --id`, EXIT.refused); }
  await redisCall(createRunnerRegistry(r, keys, []).add(token, { id, pool }));
  await r.quit();
  // The token is printed once, here, for the operator to paste; Switchyard keeps only its hash.
  process.stdout.write(`# Runner ${id} in pool ${pool}. Paste into the runner's config.toml (keep your executor settings):\n${runnerToml(id, token, brokerUrl)}\n`
    // The glrt- token takes gitlab-runner's authentication-token path: it verifies against Switchyard and writes config.toml itself.
    + `# Or, on the runner's host, register it as you would with GitLab (add your --executor options):\n`
    + `#   gitlab-runner register --non-interactive --url '${brokerUrl}' --token ${token} --name ${id}\n`);
}

/** `brokerUrl` undefined (a rotation with no known URL): the lines leave the runner's own url as it is. */
function runnerToml(id: string, token: string, brokerUrl: string | undefined): string {
  // Serialised by a TOML library, not a template, so any value is quoted and escaped correctly.
  return toToml({ runners: [{ name: id, ...(brokerUrl ? { url: brokerUrl } : {}), token, executor: "docker" }] });
}


async function runners(sub: string | undefined, id: string | undefined, asJson: boolean): Promise<void> {
  const usage = `(usage: switchyard ${COMMANDS.runners!.usage})`;
  if (sub !== "list" && sub !== "remove" && sub !== "rotate") fail(sub ? `runners: unknown subcommand '${sub}' ${usage}` : `runners: needs a subcommand ${usage}`);
  if (sub === "list" && id !== undefined) fail(`runners list: unexpected argument '${id}' ${usage}`);
  if (sub !== "list" && !id) fail(`runners ${sub}: needs a runner id ${usage}`);
  const r = await redis();
  const registry = createRunnerRegistry(r, redisKeys(config.keyPrefix), []);
  try {
    if (sub === "list") {
      const all = await redisCall(registry.all());
      if (asJson) { process.stdout.write(`${JSON.stringify(all)}\n`); return; }
      if (all.length === 0) { process.stdout.write("no runners added with add-runner (runners in the assigner's config are not listed here)\n"); return; }
      for (const runner of all) process.stdout.write(`${runner.id.padEnd(24)} pool ${runner.pool}\n`);
      return;
    }
    const notStored = `runners ${sub}: no runner '${id}' was added with add-runner (runners in the assigner's config are changed there)`;
    if (sub === "remove") {
      if (!(await redisCall(registry.remove(id!)))) fail(notStored, EXIT.refused);
      process.stdout.write(`removed ${id}; its token stops working within ${DEFAULT_TOKEN_CACHE_TTL_MS / 1000} s on every assigner\n`);
      return;
    }
    const token = newRunnerToken();
    if (!(await redisCall(registry.rotate(id!, token)))) fail(notStored, EXIT.refused);
    process.stdout.write(`# New token for ${id}; the old one stops working within ${DEFAULT_TOKEN_CACHE_TTL_MS / 1000} s. Replace the runner's token in its config.toml:\n${runnerToml(id!, token, config.brokerUrl ?? (await runningSettings(r))?.publicUrl ?? undefined)}\n`);
  } finally {
    await r.quit().catch(() => undefined);
  }
}

async function importConfig(file: string | undefined, brokerUrl: string | undefined, asJson: boolean): Promise<void> {
  if (!file) fail(`import-runner-config: needs gitlab-runner's config.toml (usage: switchyard ${COMMANDS["import-runner-config"]!.usage})`);
  let text: string;
  try { text = readFileSync(file, "utf8"); } catch (err) { fail(`import-runner-config: cannot read ${file}: ${(err as Error).message}`); }
  let imported;
  try {
    const url = brokerUrl ?? config.brokerUrl;
    // Offline on purpose (it only converts a file): no running assigner to ask, and a placeholder URL would
    // end up in every runner's config.toml.
    if (!url) fail("import-runner-config: --broker-url <url> (the URL your runners will use for Switchyard) is required, or set SWITCHYARD_BROKER_URL");
    imported = importRunnerConfig(text, { brokerUrl: url, newToken: newRunnerToken });
  } catch (err) {
    if (err instanceof RunnerConfigError) fail(`import-runner-config: ${file}: ${err.message}`, EXIT.refused);
    throw err;
  }
  const { runnerConfigToml, notes, jobQueuingDurations, ...assigner } = imported;
  if (asJson) { process.stdout.write(`${JSON.stringify({ assigner, optimizer: { jobQueuingDurations }, runnerConfigToml, notes })}\n`); return; }
  process.stdout.write([
    "# 1. The assigner's config (YAML; the tokens are secrets: keep this file private).",
    toYaml(assigner).trimEnd(),
    "",
    "# 2. The optimizer's queue-time SLI, as the runners had it.",
    toYaml({ jobQueuingDurations }).trimEnd(),
    "",
    "# 3. The runners' new config.toml: the same settings, url and token now Switchyard's. Replace the old file, then restart gitlab-runner.",
    runnerConfigToml.trimEnd(),
    "",
    ...notes.map((n) => `# note: ${n}`),
    "",
  ].join("\n"));
}

async function checkConfig(agent: string | undefined, file: string | undefined, asJson: boolean): Promise<void> {
  if (!agent || !file) fail(`check-config: needs an agent and a file (usage: switchyard ${COMMANDS["check-config"]!.usage})`);
  if (!(AGENT_NAMES as readonly string[]).includes(agent)) fail(`check-config: unknown agent '${agent}' (one of ${AGENT_NAMES.join(", ")})`);
  const problems = await checkAgentConfig(agent as (typeof AGENT_NAMES)[number], file, process.env);
  if (asJson) process.stdout.write(`${JSON.stringify({ agent, file, valid: problems.length === 0, problems })}\n`);
  else if (problems.length === 0) process.stdout.write(`${file}: valid ${agent} config\n`);
  else process.stdout.write(`${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"} for the ${agent}:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  if (problems.length > 0) throw new CliError(EXIT.usage, `check-config: ${file} is not a valid ${agent} config`);
}

async function answer(approved: boolean, decisionId: string | undefined, who: string | undefined): Promise<void> {
  const verb = approved ? "approve" : "reject";
  if (!decisionId) fail(`${verb}: needs a decision id (usage: switchyard ${COMMANDS[verb]!.usage})`);
  const { nc, bus } = await nats();
  // The subject names who answers: the NATS user of this CLI, the only approval subject the server lets it publish on.
  const principal = natsServerOptions(config.natsUrl).user ?? "cli";
  let result: ApprovalResult;
  try {
    result = await bus.request(contracts.approvalAnswer, bus.subjects.approvalAnswer(principal),
      { v: 1, decisionId, approved, by: who ?? config.operator, at: Date.now() }, contracts.approvalResult, config.answerTimeoutMs);
  } catch (err) {
    await nc.close();
    fail(`${verb} ${decisionId}: no assigner answered within ${config.answerTimeoutMs} ms (${(err as Error).message})`, EXIT.unreachable);
  }
  await nc.drain();
  if (result.result !== "accepted") fail(`${verb} ${decisionId}: ${result.result}: ${result.message}`, EXIT.refused);
  process.stdout.write(`${approved ? "approved" : "rejected"} ${decisionId} as ${result.by ?? principal}\n`);
}

async function showTiers(asJson: boolean): Promise<void> {
  const keys = redisKeys(config.keyPrefix);
  const r = await redis();
  const applied = await redisCall(r.hgetall(keys.tierOverrides));
  const report = await redisCall(r.get(keys.learningReport));
  await r.quit();
  const trust = report ? ((JSON.parse(report) as { trust?: { proposal: { jobClass: string; from: string; to: string; reason: string } | null }[] }).trust ?? []) : [];
  const proposals = trust.flatMap((t) => (t.proposal ? [t.proposal] : []));
  if (asJson) { process.stdout.write(`${JSON.stringify({ applied, proposals })}\n`); return; }
  process.stdout.write("applied by operators (wins over the assigner's config):\n");
  for (const [jobClass, tier] of Object.entries(applied)) process.stdout.write(`  ${jobClass}: ${tier}\n`);
  if (Object.keys(applied).length === 0) process.stdout.write("  (none)\n");
  process.stdout.write("optimizer proposals (apply with `switchyard tier <class> <tier>`):\n");
  for (const p of proposals) process.stdout.write(`  ${p.jobClass}: ${p.from} → ${p.to} (${p.reason})\n`);
  if (proposals.length === 0) process.stdout.write("  (none)\n");
}

async function applyTier(jobClass: string | undefined, tier: string | undefined, who: string | undefined): Promise<void> {
  if (!jobClass || !tier) fail(`tier: needs a job class and a tier (usage: switchyard ${COMMANDS.tier!.usage})`);
  const parsed = TrustTierSchema.safeParse(tier);
  if (!parsed.success) fail(`tier: unknown tier '${tier}' (one of advisory, supervised, autonomous)`);
  const keys = redisKeys(config.keyPrefix);
  const r = await redis();
  const classes = choose(config.jobClasses, (await runningSettings(r))?.jobClasses, BUILT_IN_CLASSES, "SWITCHYARD_JOB_CLASSES");
  if (!classes.value.includes(jobClass)) { await r.quit(); fail(`tier: unknown job class '${jobClass}' (known: ${classes.value.join(", ")}, from ${classes.source})`, EXIT.refused); }
  const previous = await redisCall(r.hget(keys.tierOverrides, jobClass));
  await redisCall(r.hset(keys.tierOverrides, jobClass, parsed.data));
  await r.quit();
  const { nc, bus } = await nats();
  const operator = who ?? config.operator;
  bus.publish(contracts.fleetEvent, bus.subjects.event("trust.applied"), {
    v: 1, kind: "trust.applied", runnerId: null, pool: null, reason: `${operator} set ${jobClass} to ${parsed.data}`,
    details: { jobClass, tier: parsed.data, previous: previous ?? null, by: operator }, at: Date.now(),
  });
  await nc.drain();
  process.stdout.write(`${jobClass}: ${previous ?? "(config)"} → ${parsed.data}; applies to jobs that arrive from now on\n`);
}

try {
  await main(process.argv.slice(2));
  process.exit(EXIT.ok);
} catch (err) {
  if (err instanceof CliError) {
    process.stderr.write(`switchyard: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`switchyard: unexpected error: ${(err as Error).message}\n`);
  process.exit(EXIT.internal);
}
