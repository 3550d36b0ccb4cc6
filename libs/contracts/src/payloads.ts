import { z } from "zod";
import {
  DecisionModeSchema, EpochMs, JobId, JobStatusSchema, RunnerStatusSchema, Token, TrustTierSchema,
} from "./common.js";
import { AGENT_NAMES } from "./subjects.js";

/** One runner's state as the monitor sees it. `limit` 0 means unlimited. */
export const RunnerStateV1 = z.object({
  v: z.literal(1),
  runnerId: Token,
  description: z.string().max(256),
  pool: Token,
  tags: z.array(z.string().max(128)).max(64),
  runUntagged: z.boolean(),
  protected: z.boolean().describe("runner takes only protected-ref jobs"),
  paused: z.boolean(),
  status: RunnerStatusSchema,
  draining: z.boolean().describe("gets no new job; set when disk is over threshold or by an operator"),
  healthy: z.boolean(),
  limit: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  runningJobIds: z.array(JobId).max(1024),
  diskUsedRatio: z.number().min(0).max(1).nullable(),
  cpus: z.number().positive().nullable(),
  memoryGiB: z.number().positive().nullable(),
  version: z.string().max(64).nullable(),
  contactedAt: EpochMs.nullable(),
  updatedAt: EpochMs,
});
export type RunnerState = z.infer<typeof RunnerStateV1>;

/**
 * What the broker itself saw of a downstream runner (Redis, written by the assigner, read by the monitor).
 * A runner behind Switchyard talks only to Switchyard, so GitLab's contacted status says nothing about it:
 * its polls and its job calls (updates, trace, artifacts through the broker) are the proof it is alive.
 */
export const RunnerContactV1 = z.object({
  v: z.literal(1),
  runnerId: Token,
  pool: Token,
  lastPollAt: EpochMs.nullable().describe("last jobs/request or verify from the runner"),
  lastJobCallAt: EpochMs.nullable().describe("last call with a job token Switchyard handed it (a busy runner does not poll)"),
  systemId: z.string().max(64).nullable().describe("the system_id of the last poll"),
  version: z.string().max(64).nullable().describe("info.version of the last poll"),
});
export type RunnerContact = z.infer<typeof RunnerContactV1>;

/** Where a job is headed: the environment a deploy job targets. */
export const EnvironmentV1 = z.object({
  name: z.string().max(255),
  tier: z.string().max(32).nullable(),
  action: z.string().max(32).nullable(),
});

/**
 * A job held by Switchyard, waiting for a decision. Never carries a token: job names,
 * refs and stages are author-controlled text and are treated as untrusted data.
 */
export const JobQueuedV1 = z.object({
  v: z.literal(1),
  jobId: JobId,
  pool: Token,
  projectId: z.number().int().nonnegative(),
  projectPath: z.string().max(512).nullable(),
  pipelineId: z.number().int().nonnegative().nullable(),
  name: z.string().max(512),
  stage: z.string().max(255),
  ref: z.string().max(512).nullable(),
  protectedRef: z.boolean(),
  pipelineSource: z.string().max(64).nullable(),
  environment: EnvironmentV1.nullable(),
  jobClass: z.string().max(64),
  tier: TrustTierSchema,
  priority: z.number(),
  arrivedAt: EpochMs,
  gitlabQueueSeconds: z.number().nonnegative(),
  timeoutSeconds: z.number().int().nonnegative().nullable(),
  openRunners: z.array(z.object({ runnerId: Token, freeSlots: z.number().int().nonnegative() })).max(1000)
    .describe("runners asking the broker for work right now (the free-slot signal); the scorer ranks only these"),
});
export type JobQueued = z.infer<typeof JobQueuedV1>;

/** One scoring plugin's contribution to a candidate's total. */
export const PluginContributionV1 = z.object({
  plugin: z.string().max(64),
  score: z.number().min(0).max(100),
  weight: z.number().nonnegative(),
});
export type PluginContribution = z.infer<typeof PluginContributionV1>;

/** A runner that passed every filter, with its weighted total and breakdown. */
export const CandidateV1 = z.object({
  runnerId: Token,
  total: z.number(),
  contributions: z.array(PluginContributionV1),
});
export type Candidate = z.infer<typeof CandidateV1>;

/** A runner a filter rejected, and which filter said so. */
export const RejectionV1 = z.object({ runnerId: Token, filter: z.string().max(64), reason: z.string().max(256) });

/** Candidates a decision record keeps, with their breakdown: the explanation an operator reads. */
export const DECISION_CANDIDATES = 8;

/** Ranked candidates for one job, best first. */
export const JobScoredV1 = z.object({
  v: z.literal(1),
  jobId: JobId,
  pool: Token,
  candidates: z.array(CandidateV1),
  rejected: z.array(RejectionV1),
  weightsVersion: z.number().int().nonnegative(),
  scorerId: z.string().max(128),
  scoredAt: EpochMs,
  latencyMs: z.number().nonnegative(),
});
export type JobScored = z.infer<typeof JobScoredV1>;

/**
 * One dispatch round's jobs, scored in one request: the runners asking for work are the same for every
 * job of a round, so they travel once instead of once per job.
 */
export const JobBatchQueuedV1 = z.object({
  v: z.literal(1),
  pool: Token,
  openRunners: JobQueuedV1.shape.openRunners,
  jobs: z.array(JobQueuedV1.omit({ v: true, pool: true, openRunners: true })).min(1).max(256),
});
export type JobBatchQueued = z.infer<typeof JobBatchQueuedV1>;

/**
 * The scorer's answer to a batch: each job's ranked candidates, in the order asked. Only the first
 * DECISION_CANDIDATES carry their plugin contributions (all a decision keeps); the rest carry runner and
 * total, which is all placement reads, so a 64-job answer stays a few hundred KB, not megabytes.
 */
export const JobBatchScoredV1 = z.object({
  v: z.literal(1),
  pool: Token,
  results: z.array(z.object({
    jobId: JobId,
    candidates: z.array(CandidateV1),
    rejected: z.array(RejectionV1),
  })).max(256),
  weightsVersion: z.number().int().nonnegative(),
  scorerId: z.string().max(128),
  scoredAt: EpochMs,
  latencyMs: z.number().nonnegative().describe("scoring the whole batch, in the scorer"),
});
export type JobBatchScored = z.infer<typeof JobBatchScoredV1>;

/** The record of an LLM tie-break: question, answer, and whether it counted. */
export const LlmTieBreakV1 = z.object({
  asked: z.boolean(),
  skippedReason: z.string().max(256).nullable(),
  model: z.string().max(128).nullable(),
  choice: Token.nullable(),
  accepted: z.boolean(),
  reason: z.string().max(2000).nullable(),
  latencyMs: z.number().nonnegative().nullable(),
  auditId: z.string().max(128).nullable(),
});
export type LlmTieBreak = z.infer<typeof LlmTieBreakV1>;

/** A human's verdict on a supervised decision, or the timeout that stood in for one. */
export const ApprovalRecordV1 = z.object({
  state: z.enum(["approved", "rejected", "timed-out"]),
  by: z.string().max(128).nullable().describe("the principal NATS authenticated (the subject it could publish on), null on timeout"),
  claimedBy: z.string().max(128).nullable().default(null).describe("the name the approver gave (`--by`, dashboard sign-in): not verified"),
  at: EpochMs,
});

/** Which job goes where, how that was decided, and why. */
export const DecisionV1 = z.object({
  v: z.literal(1),
  decisionId: z.string().max(128),
  jobId: JobId,
  pool: Token,
  jobClass: z.string().max(64),
  tier: TrustTierSchema,
  runnerId: Token.nullable(),
  mode: DecisionModeSchema,
  enforced: z.boolean().describe("false for advisory decisions and unapproved supervised ones"),
  fifoRunnerId: Token.nullable().describe("what plain FIFO did or would do"),
  rationale: z.string().max(2000),
  reasons: z.array(z.string().max(256)).max(16),
  candidates: z.array(CandidateV1).max(DECISION_CANDIDATES),
  margin: z.number().nullable().describe("(top - second) / top, null with fewer than two candidates"),
  fallbackReason: z.string().max(256).nullable(),
  llm: LlmTieBreakV1.nullable(),
  approval: ApprovalRecordV1.nullable().default(null),
  latencyMs: z.number().nonnegative(),
  queuedAt: EpochMs,
  decidedAt: EpochMs,
});
export type Decision = z.infer<typeof DecisionV1>;

/**
 * v1 (older assigners, still read during an upgrade): a job started or finished on a runner, with how
 * long it waited and ran. It cannot say how a job ended without a runner; JobOutcomeV2 can.
 */
export const JobOutcomeV1 = z.object({
  v: z.literal(1),
  jobId: JobId,
  pool: Token,
  runnerId: Token,
  phase: z.enum(["started", "finished"]),
  status: JobStatusSchema,
  failureReason: z.string().max(128).nullable(),
  jobClass: z.string().max(64).nullable(),
  decisionId: z.string().max(128).nullable(),
  projectId: z.number().int().nonnegative().nullable(),
  queueSeconds: z.number().nonnegative().describe("GitLab's queue time plus Switchyard's hold time"),
  holdSeconds: z.number().nonnegative(),
  runSeconds: z.number().nonnegative().nullable(),
  projectJobsRunning: z.string().max(16).optional()
    .describe("GitLab's job_info.project_jobs_running_on_instance_runners_count (\"0\"..\"3+\"), for job_queuing_durations"),
  jobName: z.string().max(512).optional().describe("the job's name (author-controlled text): what the optimizer learns run times under"),
  at: EpochMs,
});
export type JobOutcomeV1 = z.infer<typeof JobOutcomeV1>;

/**
 * How a job's time with Switchyard ended. `runner`: its runner reported the end (or GitLab answered
 * its update with a final Job-Status). The rest end without a runner report and may have no runner:
 * `max-hold` failed upstream past the maximum hold; `token-expiring` failed upstream because its job
 * token or timeout would run out before it could run; `canceled-while-held` GitLab cancelled (or
 * otherwise ended) it while held; `unreadable` its held payload was unusable and it was failed;
 * `runner-silent` handed to a runner that stopped calling, its end learned from GitLab; `reconcile-retried`
 * lost by Switchyard (its Redis record gone), cancelled and retried in GitLab by reconcile.
 */
export const JobEndSchema = z.enum(["runner", "max-hold", "token-expiring", "canceled-while-held", "unreadable", "runner-silent", "reconcile-retried"]);
export type JobEnd = z.infer<typeof JobEndSchema>;

/**
 * Every end of a job Switchyard took from GitLab, with or without a runner, with how long it waited
 * and ran. `runnerId` is null for a job that never reached one; `end` is null on `started` only.
 */
/**
 * What learning needs of the decision that placed a job, carried in the job's outcome: outcomes are
 * durable (outbox, JetStream), so an optimizer that restarts between a decision and its job's end still
 * pairs them. Written by the assigner at reservation, from the decision record it publishes.
 */
export const DecisionSummaryV1 = z.object({
  decisionId: z.string().max(128),
  mode: DecisionModeSchema,
  enforced: z.boolean(),
  tier: TrustTierSchema,
  runnerId: Token.nullable(),
  fifoRunnerId: Token.nullable(),
  candidates: z.array(CandidateV1).max(DECISION_CANDIDATES),
  approval: z.enum(["approved", "rejected", "timed-out"]).nullable(),
  llm: z.object({ asked: z.boolean(), choice: Token.nullable(), accepted: z.boolean() }).nullable(),
  decidedAt: EpochMs.optional().describe("when the decision was made (the learner's LLM calls per day); absent from older assigners"),
});
export type DecisionSummary = z.infer<typeof DecisionSummaryV1>;

/** The summary of a decision record (the fields DecisionSummaryV1 keeps). */
export function summarizeDecision(d: Decision): DecisionSummary {
  return {
    decisionId: d.decisionId, mode: d.mode, enforced: d.enforced, tier: d.tier, runnerId: d.runnerId, fifoRunnerId: d.fifoRunnerId,
    candidates: d.candidates, approval: d.approval?.state ?? null,
    llm: d.llm ? { asked: d.llm.asked, choice: d.llm.choice, accepted: d.llm.accepted } : null, decidedAt: d.decidedAt,
  };
}

export const JobOutcomeV2 = JobOutcomeV1.extend({
  v: z.literal(2),
  runnerId: Token.nullable(),
  end: JobEndSchema.nullable(),
  decision: DecisionSummaryV1.optional().describe("the placing decision, for learning; absent from older assigners and for jobs placed by nobody"),
}).refine((o) => (o.phase === "started") === (o.end === null), { message: "end is null exactly when phase is started", path: ["end"] });
export type JobOutcome = z.infer<typeof JobOutcomeV2>;

/**
 * What receivers validate against: v2, or a v1 from an assigner not yet upgraded, read as the v2 it
 * means (a v1 outcome always had a runner, so a v1 `finished` ended on its runner).
 */
export const JobOutcomeAny = z.discriminatedUnion("v", [JobOutcomeV2, JobOutcomeV1])
  .transform((o): JobOutcome => (o.v === 2 ? o : { ...o, v: 2, end: o.phase === "finished" ? "runner" : null }));

/**
 * Expected run times the optimizer learned from finished jobs, keyed `<projectId>:<job name>`.
 * One writer (the optimizer) stores it in Redis; the assigner reads it to order its queue.
 */
export const DurationEstimatesV1 = z.object({
  v: z.literal(1),
  version: z.number().int().nonnegative(),
  estimates: z.record(z.string().max(600), z.object({
    expectedSeconds: z.number().nonnegative(),
    samples: z.number().int().positive(),
  })),
  at: EpochMs,
});
export type DurationEstimates = z.infer<typeof DurationEstimatesV1>;

const WaitQuantiles = z.object({ p50: z.number().nonnegative(), p95: z.number().nonnegative() });

/**
 * Per job class, the waits jobs had under Switchyard beside the waits GitLab's FIFO would have
 * given the same arrivals on the same slots (the optimizer's shadow FIFO), over a recent window.
 * One writer (the optimizer) stores it in Redis (keys.shadowFifo); the dashboard and `npm start` read it.
 */
export const ShadowFifoReportV1 = z.object({
  v: z.literal(1),
  windowSeconds: z.number().positive(),
  /** A job is replayed this long after it became pending, so older jobs still running are in first. */
  settleSeconds: z.number().nonnegative(),
  classes: z.array(z.object({
    jobClass: z.string().max(64),
    jobs: z.number().int().nonnegative(),
    live: WaitQuantiles,
    fifo: WaitQuantiles,
    late: z.number().int().nonnegative(),
  })).max(256),
  pools: z.array(z.object({
    pool: Token,
    /** The slots FIFO was replayed on (the pool's runner limits); null = unknown or unlimited, not replayed. */
    slots: z.number().int().positive().nullable(),
    /** Finished jobs waiting to be replayed. */
    waiting: z.number().int().nonnegative(),
  })).max(256),
  at: EpochMs,
});
export type ShadowFifoReport = z.infer<typeof ShadowFifoReportV1>;

/** A supervised decision awaiting a human. */
export const ApprovalRequestV1 = z.object({
  v: z.literal(1),
  decisionId: z.string().max(128),
  jobId: JobId,
  pool: Token,
  jobClass: z.string().max(64),
  proposedRunnerId: Token,
  fifoRunnerId: Token.nullable(),
  rationale: z.string().max(2000),
  expiresAt: EpochMs,
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestV1>;

/**
 * A human's answer to an approval request, sent as a request on `approval.answer.<principal>`.
 * Who answered is that subject's principal; `by` is only the name the human gave.
 */
export const ApprovalAnswerV1 = z.object({
  v: z.literal(1),
  decisionId: z.string().min(1).max(128),
  approved: z.boolean(),
  by: z.string().min(1).max(128).nullable().default(null),
  at: EpochMs,
});
export type ApprovalAnswer = z.infer<typeof ApprovalAnswerV1>;

/** What the assigner did with an answer: the reply to ApprovalAnswerV1. */
export const ApprovalResultV1 = z.object({
  v: z.literal(1),
  decisionId: z.string().max(128),
  result: z.enum(["accepted", "unknown", "expired", "already-answered"]),
  message: z.string().max(500),
  by: z.string().max(128).nullable().describe("the principal recorded"),
  at: EpochMs,
});
export type ApprovalResult = z.infer<typeof ApprovalResultV1>;

/** New scoring weights, with the reason they changed. */
export const WeightsUpdateV1 = z.object({
  v: z.literal(1),
  version: z.number().int().nonnegative(),
  weights: z.record(z.string().max(64), z.number().nonnegative()),
  reason: z.string().max(1000),
  frozen: z.boolean(),
  at: EpochMs,
});
export type WeightsUpdate = z.infer<typeof WeightsUpdateV1>;

/** An agent is alive. */
export const HeartbeatV1 = z.object({
  v: z.literal(1),
  agent: z.enum(AGENT_NAMES),
  instanceId: z.string().max(128),
  ready: z.boolean(),
  at: EpochMs,
});
export type Heartbeat = z.infer<typeof HeartbeatV1>;

/** Something happened to the fleet or to an agent's state machine. */
export const FleetEventV1 = z.object({
  v: z.literal(1),
  kind: z.string().max(64),
  runnerId: Token.nullable(),
  pool: Token.nullable(),
  reason: z.string().max(1000),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  at: EpochMs,
});
export type FleetEvent = z.infer<typeof FleetEventV1>;

/** A message that failed its contract, as copied to the dead-letter subject. */
export const DeadLetterV1 = z.object({
  v: z.literal(1),
  subject: z.string(),
  contract: z.string(),
  reason: z.string().max(4000),
  payload: z.string().max(65536).describe("the raw payload, truncated"),
  agent: z.string(),
  at: EpochMs,
});
export type DeadLetter = z.infer<typeof DeadLetterV1>;
