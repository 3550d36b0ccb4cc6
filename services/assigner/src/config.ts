import { z } from "zod";
import { TrustTierSchema } from "@switchyard/contracts";
import { defaultPlacementConfig, queueOrderConfigSchema } from "@switchyard/decision";
import { baseConfigSchema, jetstreamConfigShape } from "@switchyard/runtime";
import { llmConfigSchema } from "./deciding/llm/index.js";

const token = z.string().regex(/^[A-Za-z0-9_-]+$/).max(128);

export const poolSchema = z.object({
  name: token.describe("pool name; one upstream GitLab registration"),
  upstreamToken: z.string().min(1).describe("the pool's runner authentication token in GitLab (secret)"),
  lookahead: z.number().int().min(0).default(2).describe("jobs held beyond free slots, to reorder; 0 = pass-through FIFO"),
  features: z.record(z.string(), z.boolean()).optional()
    .describe("info.features advertised upstream, overriding what is learned from the pool's runners (session, terminal and two_phase_job_commit stay off)"),
});

export const downstreamRunnerSchema = z.object({
  id: token,
  pool: token,
  token: z.string().min(16).describe("token Switchyard issued to this runner (secret)"),
});

/** The assigner's configuration: broker, queue, deciding and breaker settings. */
export const assignerConfigSchema = baseConfigSchema.extend({
  ...jetstreamConfigShape,
  gitlabUrl: z.url().describe("GitLab base URL, e.g. https://gitlab.example.com"),
  brokerHost: z.string().default("0.0.0.0").describe("address the runner-facing API listens on"),
  brokerPort: z.coerce.number().int().min(0).max(65535).default(8080),
  pools: z.array(poolSchema).min(1),
  replicaName: z.string().min(1).max(253).optional()
    .describe("names this replica's upstream system_id claim in Redis; must differ per replica and stay the same across its restarts (default: the host name, e.g. a StatefulSet pod name)"),
  runners: z.array(downstreamRunnerSchema).default([]),
  featureMemoryMs: z.coerce.number().int().positive().default(3_600_000)
    .describe("a runner not seen polling for this long stops narrowing its pool's advertised features"),
  upstreamConcurrency: z.coerce.number().int().min(1).max(32).default(2).describe("jobs/request calls in flight to GitLab per pool"),
  upstreamBurst: z.coerce.number().int().min(0).max(32).default(6)
    .describe("extra jobs/request calls per pool while GitLab keeps handing out jobs (each stops at its first answer without one)"),
  checkIntervalMs: z.coerce.number().int().positive().default(3_000)
    .describe("wait (plus up to 50 % jitter) after GitLab answers jobs/request with 409, 5xx or a network error; gitlab-runner's check_interval"),
  longPollMs: z.coerce.number().int().positive().default(50_000),
  reservationTtlMs: z.coerce.number().int().positive().default(10_000),
  handoffAckTimeoutMs: z.coerce.number().int().positive().default(60_000),
  keepAliveIntervalMs: z.coerce.number().int().positive().default(5 * 60_000).describe("PUT state=running for held jobs; GitLab drops a job 30 min without an update (no_updates_running)"),
  maxHoldSeconds: z.coerce.number().int().positive().default(1800),
  outboxMaxEntries: z.coerce.number().int().positive().default(100_000)
    .describe("job outcomes kept in the Redis outbox while JetStream cannot take them (about 1 KB each); past it new outcomes are dropped and counted (switchyard_outcomes_dropped_total)"),
  silentHandoffMs: z.coerce.number().int().positive().default(5 * 60_000)
    .describe("a handed-off job with no runner call through any broker for this long is asked about in GitLab (an empty trace PATCH); once GitLab ended it (its runner died), it is forgotten and its load freed"),
  silentHandoffCheckMs: z.coerce.number().int().positive().default(60_000).describe("how often silent hand-offs are looked for"),
  minRunSecondsLeft: z.coerce.number().int().min(0).default(300)
    .describe("a held job with less of its timeout (and so of its job token, which lives timeout + 5 min from the pick) left than this, or than half its timeout if that is less, is failed upstream with runner_system_failure instead of being handed down"),
  gitlabClockSpeed: z.coerce.number().positive().default(1)
    .describe("how many times faster than the wall clock GitLab's clock runs: 1 for a real GitLab; a simulated one (npm start, tests) runs faster, and a held job's token ages by its clock"),
  replicaWaitMs: z.coerce.number().int().min(0).max(10_000).default(250)
    .describe("after a take-in and a hand-off, wait this long at most (Redis WAIT 1) for a replica to acknowledge it before answering; only while the primary has a connected replica; 0 = never wait"),
  sweepIntervalMs: z.coerce.number().int().positive().default(1_000),
  publicUrl: z.url().optional().describe("the URL runners reach this broker at (its Service or load balancer); the CLI's add-runner prints it as the runners' url"),
  headSize: z.coerce.number().int().positive().default(32).describe("queued jobs considered per pick"),
  queueOrder: queueOrderConfigSchema.prefault({}).describe("class head start, fairness, high-class budget and duration-aware ordering (SWITCHYARD_QUEUE_ORDER takes JSON); the number of jobs compared per pick is headSize"),
  durationRefreshMs: z.coerce.number().int().positive().default(30_000).describe("how often the run times the optimizer learned are re-read from Redis"),
  maxCandidates: z.coerce.number().int().positive().max(1000).default(defaultPlacementConfig.maxCandidates).describe("asking runners offered to the scorer per job, longest-waiting first"),
  scorerBudgetMs: z.coerce.number().int().positive().default(250),
  breakerFailures: z.coerce.number().int().positive().default(3),
  breakerHalfOpenMs: z.coerce.number().int().positive().default(2_000),
  marginRatio: z.coerce.number().min(0).max(1).default(defaultPlacementConfig.marginRatio).describe("ask the tie-breaker when the runner-up is within this share of the top score"),
  approvalWindowMs: z.coerce.number().int().positive().default(30_000).describe("how long a supervised decision waits for a human; then FIFO"),
  classRules: z.unknown().optional().describe("job class rules; defaults to the built-in rules"),
  tiers: z.record(z.string(), TrustTierSchema).default({}).describe("trust tier per job class, overriding the rules"),
  maxBodyBytes: z.coerce.number().int().positive().default(1 << 20),
  headersTimeoutMs: z.coerce.number().int().positive().default(30_000).describe("a runner-facing request must send its headers within this (408)"),
  bodyDeadlineMs: z.coerce.number().int().positive().default(30_000).describe("a JSON body (jobs/request, verify, job update) must arrive whole within this (408)"),
  uploadIdleTimeoutMs: z.coerce.number().int().positive().default(60_000).describe("a trace or artifact upload that sends no byte for this long is ended (408); no limit while it moves"),
  gitlabApiToken: z.string().min(1).optional()
    .describe("REST token (scope api; Maintainer of the pools' runners and Developer on their projects) for reconcile: lists running jobs per pool registration, cancels and retries jobs Switchyard lost (secret; env SWITCHYARD_GITLAB_API_TOKEN or _FILE); absent = reconcile off"),
  reconcileIntervalMs: z.coerce.number().int().min(1_000).default(2 * 60_000)
    .describe("how often the assigner compares what GitLab runs on each pool registration with what Redis holds; a lost job is retried within 3 intervals plus the grace at worst (a dead lease holder), which must stay under GitLab's 30-minute stale rule"),
  reconcileGraceMs: z.coerce.number().int().min(1_000).default(10 * 60_000)
    .describe("a running job unknown to Redis and with no runner call through a broker for this long is cancelled and retried; keep it at least twice the longest gap between a runner's job calls and well under GitLab's 30-minute stale rule"),
  anthropicApiKey: z.string().min(1).optional().describe("API key for the LLM tie-break (env ANTHROPIC_API_KEY; secret); absent = tie-break off"),
  llm: llmConfigSchema.prefault({}).describe("LLM tie-break settings (env SWITCHYARD_LLM as JSON)"),
});
export type AssignerConfig = z.infer<typeof assignerConfigSchema>;

/**
 * Settings derived from the validated config, computed once here rather than at each use. (Not a zod
 * transform: loadConfig needs the schema's shape to name unknown keys.)
 */
export interface AssignerDerived {
  /**
   * A runner counts as asking if it polled within this window: one long poll (longPollMs) plus 30 s for the
   * runner to send its next request after the broker's 204 (gitlab-runner asks again at once, but a loaded
   * host or a proxy in between can take seconds).
   */
  pollFreshMs: number;
}

export function deriveAssignerSettings(config: Pick<AssignerConfig, "longPollMs">): AssignerDerived {
  return { pollFreshMs: config.longPollMs + 30_000 };
}
