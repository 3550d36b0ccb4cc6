import type { Candidate, Decision, JobQueued, JobScored, LlmTieBreak } from "@switchyard/contracts";

/** How a job was placed, before it becomes a Decision record (the recorder adds ids and times). */
export type Placement = Pick<Decision, "mode" | "enforced" | "fifoRunnerId" | "rationale" | "reasons" | "candidates" | "margin" | "fallbackReason">;

/** A human's verdict on a supervised job as recorded on it, or the timeout that stood in for one. */
export interface JobApproval {
  state: "approved" | "rejected" | "timed-out";
  /** The authenticated principal; null on timeout. */
  by: string | null;
  /** The name the human gave: kept for the record, never trusted. */
  claimedBy?: string | null;
  at: number;
}

/**
 * The facts of a held job that placement reads: what the scorer sees (`toJobQueued`) plus the
 * answers already given to its side questions. The assigner's held job metadata is one.
 */
export interface PlacementJob {
  jobId: number;
  pool: string;
  projectId: number;
  projectPath: string | null;
  pipelineId: number | null;
  /** Author-controlled text (name, stage, ref): untrusted data, never instructions. */
  name: string;
  stage: string;
  ref: string | null;
  protectedRef: boolean;
  pipelineSource: string | null;
  environment: string | null;
  environmentTier: string | null;
  environmentAction: string | null;
  jobClass: string;
  /** The trust tier of its class: advisory, supervised or autonomous. */
  tier: string;
  /** Lower goes first; the scorer sees its negation as `priority`. */
  queueKey: number;
  arrivedAt: number;
  gitlabQueueSeconds: number;
  timeoutSeconds: number | null;
  isDeploy: boolean;
  /** Set when the job must go in plain FIFO, with why (approval rejected or timed out). */
  fifoOnly?: string;
  /** The LLM tie-break's answer, once asked (asked once per job). */
  llm?: LlmTieBreak;
  /** The human verdict on a supervised job, once given. */
  approval?: JobApproval;
}

/** The scorer's answer for the job: not asked yet, ranked candidates, or why there are none (breaker open, timeout). */
export type ScoreAnswer = { kind: "not-asked" } | { kind: "scored"; scored: Pick<JobScored, "candidates" | "rejected"> } | { kind: "unavailable"; reason: string };

/** Knobs of the placement policy (the assigner's config; the bench uses the defaults). */
export interface PlacementConfig {
  /** Ask the tie-breaker when the runner-up is within this share of the top score. */
  marginRatio: number;
  /** Asking runners offered to the scorer per job, longest-waiting first. */
  maxCandidates: number;
}

/** The shipped placement defaults: the assigner's config and the replay bench both start here. */
export const defaultPlacementConfig: Readonly<PlacementConfig> = Object.freeze({ marginRatio: 0.15, maxCandidates: 64 });

/** Everything one placement step decides on, as values: no clock, no I/O. */
export interface PlacementInput {
  job: PlacementJob;
  /** Runners asking for work and still free in this round, longest-waiting first (FIFO gives the first). */
  available: readonly string[];
  scores: ScoreAnswer;
  /** For a deploy: no earlier deploy to the same project and environment is still held. */
  oldestDeploy: boolean;
  /** Why the LLM tie-break is off (no API key, the bench); null when it can be asked. */
  tieBreakerOff: string | null;
  config: PlacementConfig;
}

/**
 * What to do with the job now. `place` takes `runnerId`; the `ask-*` steps name the question whose
 * answer goes into the next step's input; `wait` and `skip` leave the job queued this round
 * (`wait`: it may not go yet; `skip`: no available runner can take it).
 */
export type PlacementStep =
  | { kind: "place"; runnerId: string; placement: Placement; /** Record on the job before the decision is built. */ llm?: LlmTieBreak }
  | { kind: "ask-scorer"; request: JobQueued }
  | { kind: "ask-human"; proposedRunnerId: string; fifoRunnerId: string; rationale: string }
  | { kind: "ask-llm"; question: JobQueued; first: Candidate; second: Candidate; ruleChoice: string }
  | { kind: "wait"; rationale: string }
  | { kind: "skip"; rationale: string };
