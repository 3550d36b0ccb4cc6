#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { TrustTierSchema, contracts, type Contract } from "@switchyard/contracts";
import {
  connectNats, connectRedis, createBus, createLogger, createMetrics, createRunnerRegistry, formatDecision, loadConfigOrExit, redisKeys,
} from "@switchyard/runtime";
import { cliConfigSchema } from "./cli-config.js";


const USAGE = `usage: switchyard <command>
  watch [decisions|outcomes|events|approvals|deadletters|all]   print live messages (default: decisions)
  add-runner --pool <pool> [--id <runner-id>]                     issue a runner token, print the config.toml lines
  approve <decision-id> | reject <decision-id>                    answer a supervised decision
  tiers                                                           trust tiers applied by operators, and the optimizer's proposals
  tier <job-class> <advisory|supervised|autonomous>               apply a trust tier to a class (next jobs on)
env: NATS_URL, REDIS_URL, SWITCHYARD_SUBJECT_PREFIX, SWITCHYARD_KEY_PREFIX, SWITCHYARD_BROKER_URL`;

const { positionals, values } = parseArgs({ allowPositionals: true, options: { pool: { type: "string" }, id: { type: "string" }, by: { type: "string" } } });
const [command, arg] = positionals;
const config = loadConfigOrExit(cliConfigSchema, "switchyard");
const log = createLogger({ name: "cli", level: config.logLevel === "info" ? "warn" : config.logLevel });

switch (command) {
  case "watch": await watch(arg ?? "decisions"); break;
  case "add-runner": await addRunner(); break;
  case "approve": case "reject": await answer(command === "approve", arg); break;
  case "tiers": await showTiers(); break;
  case "tier": await applyTier(arg, positionals[2]); break;
  default:
    process.stdout.write(`${USAGE}\n`);
    process.exit(command ? 2 : 0);
}

async function watch(what: string): Promise<void> {
  const nc = await connectNats(config.natsUrl, "switchyard-cli", log);
  const bus = createBus({ nc, prefix: config.subjectPrefix, agent: "cli", log, metrics: createMetrics("cli") });
  const s = bus.subjects;
  const print = <T>(c: Contract<T>, subject: string, fmt: (p: T) => string) =>
    bus.subscribe(c, subject, (p) => { process.stdout.write(`${fmt(p)}\n`); });
  const json = (p: unknown) => JSON.stringify(p);
  if (what === "decisions" || what === "all") print(contracts.decision, s.decisionAll, formatDecision);
  if (what === "outcomes" || what === "all") print(contracts.jobOutcome, s.jobOutcomeAll, json);
  if (what === "events" || what === "all") print(contracts.fleetEvent, s.eventAll, json);
  if (what === "approvals" || what === "all") print(contracts.approvalRequest, s.approvalRequestAll, json);
  if (what === "deadletters" || what === "all") print(contracts.deadLetter, s.deadLetterAll, json);
  process.stderr.write(`watching ${what} on ${config.natsUrl} (prefix ${config.subjectPrefix}); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => process.once("SIGINT", resolve));
  await nc.drain();
}

async function addRunner(): Promise<void> {
  const pool = values.pool;
  if (!pool || !/^[A-Za-z0-9_-]+$/.test(pool)) { process.stderr.write("add-runner needs --pool <pool>\n"); process.exit(2); }
  const id = values.id ?? `r-${randomBytes(3).toString("hex")}`;
  const token = `syr_${randomBytes(24).toString("base64url")}`;
  const redis = await connectRedis(config.redisUrl, "switchyard-cli", log);
  await createRunnerRegistry(redis, redisKeys(config.keyPrefix), []).add(token, { id, pool });
  await redis.quit();
  // The token is printed once, here, for the operator to paste; Switchyard keeps only its hash.
  process.stdout.write(`# Runner ${id} in pool ${pool}. Paste into the runner's config.toml:
[[runners]]
  name = "${id}"
  url = "${config.brokerUrl}"
  token = "${token}"
  executor = "docker"   # keep your executor settings
  request_concurrency = 1
`);
}

async function answer(approved: boolean, decisionId: string | undefined): Promise<void> {
  if (!decisionId) { process.stderr.write(`${approved ? "approve" : "reject"} needs a decision id\n`); process.exit(2); }
  const nc = await connectNats(config.natsUrl, "switchyard-cli", log);
  const bus = createBus({ nc, prefix: config.subjectPrefix, agent: "cli", log, metrics: createMetrics("cli") });
  bus.publish(contracts.approvalReply, bus.subjects.approvalReply, { v: 1, decisionId, approved, by: values.by ?? config.operator, at: Date.now() });
  await nc.drain();
  process.stdout.write(`${approved ? "approved" : "rejected"} ${decisionId}\n`);
}

async function showTiers(): Promise<void> {
  const keys = redisKeys(config.keyPrefix);
  const redis = await connectRedis(config.redisUrl, "switchyard-cli", log);
  const applied = await redis.hgetall(keys.tierOverrides);
  const report = await redis.get(keys.learningReport);
  await redis.quit();
  process.stdout.write("applied by operators (wins over the assigner's config):\n");
  for (const [jobClass, tier] of Object.entries(applied)) process.stdout.write(`  ${jobClass}: ${tier}\n`);
  if (Object.keys(applied).length === 0) process.stdout.write("  (none)\n");
  const trust = report ? ((JSON.parse(report) as { trust?: { proposal: { jobClass: string; from: string; to: string; reason: string } | null }[] }).trust ?? []) : [];
  const proposals = trust.flatMap((t) => (t.proposal ? [t.proposal] : []));
  process.stdout.write("optimizer proposals (apply with `switchyard tier <class> <tier>`):\n");
  for (const p of proposals) process.stdout.write(`  ${p.jobClass}: ${p.from} → ${p.to} (${p.reason})\n`);
  if (proposals.length === 0) process.stdout.write("  (none)\n");
}

async function applyTier(jobClass: string | undefined, tier: string | undefined): Promise<void> {
  const parsed = TrustTierSchema.safeParse(tier);
  if (!jobClass || !/^[A-Za-z0-9_-]+$/.test(jobClass) || !parsed.success) {
    process.stderr.write("usage: switchyard tier <job-class> <advisory|supervised|autonomous>\n");
    process.exit(2);
  }
  const keys = redisKeys(config.keyPrefix);
  const redis = await connectRedis(config.redisUrl, "switchyard-cli", log);
  const previous = await redis.hget(keys.tierOverrides, jobClass);
  await redis.hset(keys.tierOverrides, jobClass, parsed.data);
  await redis.quit();
  const nc = await connectNats(config.natsUrl, "switchyard-cli", log);
  const bus = createBus({ nc, prefix: config.subjectPrefix, agent: "cli", log, metrics: createMetrics("cli") });
  const by = values.by ?? config.operator;
  bus.publish(contracts.fleetEvent, bus.subjects.event("trust.applied"), {
    v: 1, kind: "trust.applied", runnerId: null, pool: null, reason: `${by} set ${jobClass} to ${parsed.data}`,
    details: { jobClass, tier: parsed.data, previous: previous ?? null, by }, at: Date.now(),
  });
  await nc.drain();
  process.stdout.write(`${jobClass}: ${previous ?? "(config)"} → ${parsed.data}; applies to jobs that arrive from now on\n`);
}
