import type { Decision, DecisionSummary, JobOutcome } from "@switchyard/contracts";
import { judgeOutcome, type RunnerVerdict } from "@switchyard/decision";
import type { RunHistory } from "./run-history.js";

/** One decision joined with its finished outcome, with the estimates the reports use. */
export interface JoinedRecord {
  decisionId: string;
  jobId: number;
  jobClass: string;
  tier: Decision["tier"];
  enforced: boolean;
  mode: Decision["mode"];
  chosenRunnerId: string | null;
  fifoRunnerId: string | null;
  ranOn: string;
  status: JobOutcome["status"];
  /** What the outcome says about the runner that ran it (libs/decision judgeOutcome, as the scorer reads it). */
  verdict: RunnerVerdict;
  runSeconds: number;
  queueSeconds: number;
  /** Each plugin's score of the runner that actually ran the job (when it was a candidate). */
  pluginScores: Record<string, number>;
  /** Outcome quality 0..1: 0 failed; success = classMedian / (classMedian + run), 0.5 at the class median. */
  goodness: number;
  /**
   * Seconds Switchyard's choice cost versus FIFO's (positive = worse than FIFO); null without an estimate.
   * Enforced: actual run − FIFO runner's recent median for the class. Not enforced (FIFO ran it):
   * chosen runner's recent median − actual run. Same runner: 0.
   */
  regretSeconds: number | null;
  approval: "approved" | "rejected" | "timed-out" | null;
  llm: { asked: boolean; choice: string | null; ruleChoice: string | null; accepted: boolean; fasterThanRule: boolean | null } | null;
  at: number;
}

/**
 * What a join reads of a decision: the summary its job's outcome carries (decisionOfOutcome; durable, so a
 * restarted optimizer still pairs them). A full decision record has these fields too (the reports' tests).
 */
export type JoinableDecision = Pick<Decision, "decisionId" | "jobId" | "jobClass" | "tier" | "enforced" | "mode" | "runnerId" | "fifoRunnerId" | "candidates"> & {
  approval: { state: NonNullable<DecisionSummary["approval"]> } | null;
  llm: NonNullable<DecisionSummary["llm"]> | null;
};

/** The decision an outcome carries, as a join reads it; null when the outcome carries none. */
export function decisionOfOutcome(o: JobOutcome): JoinableDecision | null {
  const d = o.decision;
  if (!d) return null;
  return {
    decisionId: d.decisionId, jobId: o.jobId, jobClass: o.jobClass ?? "unclassified", tier: d.tier, enforced: d.enforced, mode: d.mode,
    runnerId: d.runnerId, fifoRunnerId: d.fifoRunnerId, candidates: d.candidates, approval: d.approval ? { state: d.approval } : null, llm: d.llm,
  };
}

/** Joins a decision and its finished outcome; reads the history BEFORE the outcome is added to it. */
export function joinRecord(decision: JoinableDecision, outcome: JobOutcome & { runSeconds: number; runnerId: string }, history: RunHistory): JoinedRecord {
  const jobClass = decision.jobClass;
  const ranOn = outcome.runnerId;
  const ranCandidate = decision.candidates.find((c) => c.runnerId === ranOn);
  const pluginScores: Record<string, number> = {};
  for (const c of ranCandidate?.contributions ?? []) pluginScores[c.plugin] = c.score;
  const classMedian = history.classMedian(jobClass);
  const goodness = outcome.status !== "success" ? 0 : classMedian === null ? 0.5 : classMedian / (classMedian + Math.max(outcome.runSeconds, 1e-3));
  let regretSeconds: number | null = null;
  if (decision.enforced) {
    if (decision.fifoRunnerId === ranOn) regretSeconds = 0;
    else if (decision.fifoRunnerId) {
      const fifo = history.runnerMedian(decision.fifoRunnerId, jobClass);
      regretSeconds = fifo === null ? null : outcome.runSeconds - fifo;
    }
  } else if (decision.runnerId === ranOn) {
    regretSeconds = 0;
  } else if (decision.runnerId) {
    const chosen = history.runnerMedian(decision.runnerId, jobClass);
    regretSeconds = chosen === null ? null : chosen - outcome.runSeconds;
  }
  const ruleChoice = decision.candidates[0]?.runnerId ?? null;
  let llm: JoinedRecord["llm"] = null;
  if (decision.llm?.asked) {
    const ruleMedian = ruleChoice ? history.runnerMedian(ruleChoice, jobClass) : null;
    const llmRan = decision.llm.choice !== null && decision.llm.choice === ranOn && decision.llm.choice !== ruleChoice;
    llm = {
      asked: true, choice: decision.llm.choice, ruleChoice, accepted: decision.llm.accepted,
      fasterThanRule: llmRan && ruleMedian !== null ? outcome.runSeconds < ruleMedian : null,
    };
  }
  return {
    decisionId: decision.decisionId, jobId: decision.jobId, jobClass, tier: decision.tier, enforced: decision.enforced,
    mode: decision.mode, chosenRunnerId: decision.runnerId, fifoRunnerId: decision.fifoRunnerId, ranOn,
    status: outcome.status, verdict: judgeOutcome(outcome), runSeconds: outcome.runSeconds, queueSeconds: outcome.queueSeconds, pluginScores, goodness,
    regretSeconds, approval: decision.approval?.state ?? null, llm, at: outcome.at,
  };
}
