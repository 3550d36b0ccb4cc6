import { contracts, WeightsRecordV1, type Contract, type Decision, type JobOutcome, type Subjects, type WeightsUpdate } from "@switchyard/contracts";
import { createRecordReader, type RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { counterfactualReport, type ClassRegret } from "./counterfactual.js";
import { decisionOfOutcome, joinRecord, type JoinableDecision, type JoinedRecord } from "./joined-record.js";
import { llmReport, type LlmReport } from "./llm-stats.js";
import { pluginAccuracy, type PluginAccuracy } from "./plugin-accuracy.js";
import { createRunHistory } from "./run-history.js";
import { proposeTrustChange, type TrustEvidence, type TrustProposal, type TrustThresholds } from "./trust.js";
import { tuneWeights, type TuneResult, type WeightBounds } from "./weight-tuning.js";

/** The learning settings (config `learning`). */
export interface LearnerConfig {
  intervalMs: number;
  freezeWeights: boolean;
  initialWeights: Readonly<Record<string, number>>;
  weightBounds: Readonly<Record<string, WeightBounds>>;
  maxStepPerInterval: number;
  minSamples: number;
  deadband: number;
  /** Decisions remembered as learned, so an outcome delivered again (JetStream is at least once) is not learned twice. */
  maxDecisions: number;
  maxRecords: number;
  trust: TrustThresholds;
  proposalCooldownMs: number;
}

/** Everything the optimizer learned so far, as one JSON-able report. */
export interface LearningReport {
  at: number;
  joined: number;
  plugins: PluginAccuracy[];
  weights: Record<string, number>;
  weightsVersion: number;
  regret: ClassRegret[];
  llm: LlmReport;
  trust: { evidence: TrustEvidence; proposal: TrustProposal | null }[];
}

/**
 * Learns from finished outcomes and the decision summary each carries (DecisionSummaryV1, stored by the
 * assigner at reservation): outcomes come through the durable JetStream consumer, so a decision made
 * while the optimizer was down or restarting is still paired with its job's end. Tunes weights and
 * proposes trust-tier changes.
 */
export interface Learner {
  observeOutcome(outcome: JobOutcome): void;
  report(): Promise<LearningReport>;
  /**
   * One tuning step: publishes new weights when any moved (the scorer stores them, the one writer of
   * `<p>:weights`), or sends again the last update no scorer has stored yet; returns what it did.
   */
  tune(): Promise<TuneResult & { version: number; published: boolean }>;
  /** Publishes proposals the evidence supports (each class+target once per cooldown). */
  proposeTrust(): Promise<TrustProposal[]>;
  start(): void;
  stop(): Promise<void>;
}

export interface LearnerDeps {
  redis: Redis;
  keys: RedisKeys;
  subjects: Subjects;
  publish: <T>(contract: Contract<T>, subject: string, payload: T) => void;
  config: LearnerConfig;
  log: Logger;
  now?: () => number;
}

interface ClassCounts { tier: Decision["tier"]; decisions: number; approved: number; rejected: number; timedOut: number }

/** Builds the learner; its learning pass runs only after `start()`. */
export function createLearner(deps: LearnerDeps): Learner {
  const log = deps.log.child({ component: "learner" });
  const now = deps.now ?? Date.now;
  const cfg = deps.config;
  // Decision ids already learned from, oldest first (bounded by maxDecisions).
  const learned = new Set<string>();
  const records: JoinedRecord[] = [];
  const history = createRunHistory();
  const llmCalls: number[] = [];
  const classes = new Map<string, ClassCounts>();
  const proposed = new Map<string, number>();
  const storedRecords = createRecordReader(log);
  // The last update sent: plain NATS keeps nothing for a scorer that is down, so until the stored version
  // reaches it, tuning goes on from it and an interval that changes nothing sends it again.
  let lastSent: WeightsUpdate | null = null;
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<unknown> = Promise.resolve();

  async function currentWeights(): Promise<{ weights: Record<string, number>; version: number }> {
    // The scorer's record (WeightsRecordV1); an unreadable one is logged once and read as none stored.
    const hash = await deps.redis.hgetall(deps.keys.weights);
    const stored = Object.keys(hash).length > 0 ? storedRecords.value("weights", WeightsRecordV1, hash) : undefined;
    const weights: Record<string, number> = { ...cfg.initialWeights };
    for (const plugin of Object.keys(weights)) {
      const v = stored?.weights[plugin];
      if (v !== undefined) weights[plugin] = v;
    }
    return { weights, version: stored?.version ?? 0 };
  }

  function remember(decisionId: string): void {
    learned.add(decisionId);
    if (learned.size > cfg.maxDecisions) learned.delete(learned.values().next().value as string);
  }

  /** The per-class counts behind trust proposals, and the LLM calls per day. */
  function countDecision(d: JoinableDecision, decidedAt: number): void {
    const c = classes.get(d.jobClass) ?? { tier: d.tier, decisions: 0, approved: 0, rejected: 0, timedOut: 0 };
    c.tier = d.tier;
    c.decisions += 1;
    if (d.approval?.state === "approved") c.approved += 1;
    else if (d.approval?.state === "rejected") c.rejected += 1;
    else if (d.approval?.state === "timed-out") c.timedOut += 1;
    classes.set(d.jobClass, c);
    if (d.llm?.asked) {
      llmCalls.push(decidedAt);
      while (llmCalls.length > 0 && (llmCalls.length > 100_000 || now() - llmCalls[0]! > 24 * 3600_000)) llmCalls.shift();
    }
  }

  function evidence(regret: ClassRegret[]): TrustEvidence[] {
    return [...classes.entries()].map(([jobClass, c]) => ({
      jobClass, tier: c.tier, decisions: c.decisions, approved: c.approved, rejected: c.rejected, timedOut: c.timedOut,
      rejectionRate: c.approved + c.rejected > 0 ? c.rejected / (c.approved + c.rejected) : null,
      regret: regret.find((r) => r.jobClass === jobClass) ?? null,
    }));
  }

  const learner: Learner = {
    observeOutcome(o) {
      if (o.phase !== "finished") return;
      const decision = decisionOfOutcome(o);
      if (decision) {
        if (learned.has(decision.decisionId)) return; // the same outcome delivered again
        remember(decision.decisionId);
        countDecision(decision, o.decision?.decidedAt ?? o.at);
      }
      // Only a run its runner reported has a run time (runner-less ends carry none).
      if (o.runSeconds === null || o.runnerId === null) return;
      const finished = o as JobOutcome & { runSeconds: number; runnerId: string };
      if (decision) {
        records.push(joinRecord(decision, finished, history));
        if (records.length > cfg.maxRecords) records.shift();
      }
      history.add(o.runnerId, decision?.jobClass ?? o.jobClass ?? "unclassified", o.runSeconds);
    },
    async report() {
      const at = now();
      const regret = counterfactualReport(records);
      const { weights, version } = await currentWeights();
      return {
        at, joined: records.length, plugins: pluginAccuracy(records), weights, weightsVersion: version, regret,
        llm: llmReport(records, llmCalls, at),
        trust: evidence(regret).map((e) => ({ evidence: e, proposal: proposeTrustChange(e, cfg.trust) })),
      };
    },
    async tune() {
      const frozen = cfg.freezeWeights || (await deps.redis.exists(deps.keys.weightsFrozen)) === 1;
      const stored = await currentWeights();
      const unstored = lastSent && lastSent.version > stored.version ? lastSent : null;
      const { weights, version } = unstored ? { weights: { ...stored.weights, ...unstored.weights }, version: unstored.version } : stored;
      const result = tuneWeights({
        current: weights, accuracy: pluginAccuracy(records), bounds: cfg.weightBounds, maxStep: cfg.maxStepPerInterval,
        minSamples: cfg.minSamples, deadband: cfg.deadband, frozen,
      });
      if (result.changes.length === 0) {
        // Frozen: nothing goes out, not even an update decided before the freeze; it is sent once unfrozen.
        if (!unstored || frozen) return { ...result, version, published: false };
        deps.publish(contracts.weightsUpdate, deps.subjects.weightsUpdate, unstored);
        log.info({ version: unstored.version, stored: stored.version }, "weights update sent again: no scorer has stored it");
        return { ...result, version, published: true };
      }
      const update: WeightsUpdate = { v: 1, version: version + 1, weights: result.weights, reason: result.reason.slice(0, 1000), frozen: false, at: now() };
      deps.publish(contracts.weightsUpdate, deps.subjects.weightsUpdate, update);
      lastSent = update;
      log.info({ version: update.version, changes: result.changes }, "weights tuned");
      return { ...result, version: update.version, published: true };
    },
    async proposeTrust() {
      const at = now();
      const published: TrustProposal[] = [];
      for (const e of evidence(counterfactualReport(records))) {
        const p = proposeTrustChange(e, cfg.trust);
        if (!p) continue;
        const key = `${p.jobClass}|${p.to}`;
        if (at - (proposed.get(key) ?? -Infinity) < cfg.proposalCooldownMs) continue;
        proposed.set(key, at);
        deps.publish(contracts.fleetEvent, deps.subjects.event("trust.proposal"), {
          v: 1, kind: "trust.proposal", runnerId: null, pool: null, reason: p.reason.slice(0, 1000), at,
          details: {
            jobClass: p.jobClass, from: p.from, to: p.to, direction: p.direction, decisions: e.decisions,
            meanRegretSeconds: e.regret?.meanRegretSeconds ?? null, rejectionRate: e.rejectionRate,
          },
        });
        published.push(p);
      }
      return published;
    },
    start() {
      if (running) return;
      running = true;
      const loop = () => {
        timer = setTimeout(() => {
          pass = (async () => {
            await learner.tune();
            await learner.proposeTrust();
            await deps.redis.set(deps.keys.learningReport, JSON.stringify(await learner.report()));
          })().catch((e: unknown) => log.warn({ err: (e as Error).message }, "learning pass failed")).finally(() => { if (running) loop(); });
        }, cfg.intervalMs);
      };
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await pass;
    },
  };
  return learner;
}
