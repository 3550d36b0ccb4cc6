import { contracts, decode, ContractViolation, type Contract, type Decision, type JobOutcome, type Subjects } from "@switchyard/contracts";
import type { RedisKeys } from "@switchyard/runtime";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { counterfactualReport, type ClassRegret } from "./counterfactual.js";
import { joinRecord, type JoinedRecord } from "./joined-record.js";
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

/** Joins decisions with outcomes, tunes weights and proposes trust-tier changes. */
export interface Learner {
  observeDecision(decision: Decision): void;
  observeOutcome(outcome: JobOutcome): void;
  report(): Promise<LearningReport>;
  /** One tuning step: publishes and stores new weights when any moved; returns what it did. */
  tune(): Promise<TuneResult & { version: number; published: boolean }>;
  /** Publishes proposals the evidence supports (each class+target once per cooldown). */
  proposeTrust(): Promise<TrustProposal[]>;
  start(): void;
  stop(): Promise<void>;
}

export interface LearnerDeps {
  nc: NatsConnection;
  redis: Redis;
  keys: RedisKeys;
  subjects: Subjects;
  publish: <T>(contract: Contract<T>, subject: string, payload: T) => void;
  config: LearnerConfig;
  log: Logger;
  now?: () => number;
}

interface ClassCounts { tier: Decision["tier"]; decisions: number; approved: number; rejected: number; timedOut: number }

/** Builds the learner; it subscribes to decisions only after `start()`. */
export function createLearner(deps: LearnerDeps): Learner {
  const log = deps.log.child({ component: "learner" });
  const now = deps.now ?? Date.now;
  const cfg = deps.config;
  const decisions = new Map<string, Decision>();
  const byJob = new Map<number, string>();
  const records: JoinedRecord[] = [];
  const history = createRunHistory();
  const llmCalls: number[] = [];
  const classes = new Map<string, ClassCounts>();
  const proposed = new Map<string, number>();
  let sub: Subscription | null = null;
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<unknown> = Promise.resolve();

  async function currentWeights(): Promise<{ weights: Record<string, number>; version: number }> {
    // One layout with the scorer (its weights-store.ts): version, weights (JSON), reason, frozen, at.
    const stored = await deps.redis.hgetall(deps.keys.weights);
    const weights: Record<string, number> = { ...cfg.initialWeights };
    let parsed: Record<string, unknown> = {};
    try { parsed = stored.weights ? (JSON.parse(stored.weights) as Record<string, unknown>) : {}; } catch { parsed = {}; }
    for (const plugin of Object.keys(weights)) {
      const v = Number(parsed[plugin]);
      if (parsed[plugin] !== undefined && Number.isFinite(v) && v >= 0) weights[plugin] = v;
    }
    return { weights, version: Number(stored.version ?? 0) || 0 };
  }

  function evidence(regret: ClassRegret[]): TrustEvidence[] {
    return [...classes.entries()].map(([jobClass, c]) => ({
      jobClass, tier: c.tier, decisions: c.decisions, approved: c.approved, rejected: c.rejected, timedOut: c.timedOut,
      rejectionRate: c.approved + c.rejected > 0 ? c.rejected / (c.approved + c.rejected) : null,
      regret: regret.find((r) => r.jobClass === jobClass) ?? null,
    }));
  }

  const learner: Learner = {
    observeDecision(d) {
      if (decisions.size >= cfg.maxDecisions) {
        const oldest = decisions.keys().next().value as string;
        byJob.delete(decisions.get(oldest)!.jobId);
        decisions.delete(oldest);
      }
      decisions.set(d.decisionId, d);
      byJob.set(d.jobId, d.decisionId);
      const c = classes.get(d.jobClass) ?? { tier: d.tier, decisions: 0, approved: 0, rejected: 0, timedOut: 0 };
      c.tier = d.tier;
      c.decisions += 1;
      if (d.approval?.state === "approved") c.approved += 1;
      else if (d.approval?.state === "rejected") c.rejected += 1;
      else if (d.approval?.state === "timed-out") c.timedOut += 1;
      classes.set(d.jobClass, c);
      if (d.llm?.asked) {
        llmCalls.push(d.decidedAt);
        while (llmCalls.length > 0 && (llmCalls.length > 100_000 || now() - llmCalls[0]! > 24 * 3600_000)) llmCalls.shift();
      }
    },
    observeOutcome(o) {
      if (o.phase !== "finished" || o.runSeconds === null) return;
      const decisionId = o.decisionId ?? byJob.get(o.jobId);
      const decision = decisionId ? decisions.get(decisionId) : undefined;
      const finished = o as JobOutcome & { runSeconds: number };
      if (decision) {
        records.push(joinRecord(decision, finished, history));
        if (records.length > cfg.maxRecords) records.shift();
        decisions.delete(decision.decisionId);
        byJob.delete(decision.jobId);
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
      const { weights, version } = await currentWeights();
      const result = tuneWeights({
        current: weights, accuracy: pluginAccuracy(records), bounds: cfg.weightBounds, maxStep: cfg.maxStepPerInterval,
        minSamples: cfg.minSamples, deadband: cfg.deadband, frozen,
      });
      if (result.changes.length === 0) return { ...result, version, published: false };
      const next = version + 1;
      const at = now();
      await deps.redis.hset(deps.keys.weights, { version: String(next), weights: JSON.stringify(result.weights), reason: result.reason.slice(0, 1000), frozen: "false", at: String(at) });
      deps.publish(contracts.weightsUpdate, deps.subjects.weightsUpdate, { v: 1, version: next, weights: result.weights, reason: result.reason.slice(0, 1000), frozen: false, at });
      log.info({ version: next, changes: result.changes }, "weights tuned");
      return { ...result, version: next, published: true };
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
      if (sub) return;
      sub = deps.nc.subscribe(deps.subjects.decisionAll, {
        callback: (err, msg) => {
          if (err) return;
          try {
            learner.observeDecision(decode(contracts.decision, msg.string()));
          } catch (e) {
            if (!(e instanceof ContractViolation)) throw e;
            log.debug({ subject: msg.subject, reason: e.reason }, "invalid decision ignored");
          }
        },
      });
      const loop = () => {
        timer = setTimeout(() => {
          pass = (async () => {
            await learner.tune();
            await learner.proposeTrust();
            await deps.redis.set(deps.keys.learningReport, JSON.stringify(await learner.report()));
          })().catch((e: unknown) => log.warn({ err: (e as Error).message }, "learning pass failed")).finally(() => { if (sub) loop(); });
        }, cfg.intervalMs);
      };
      loop();
    },
    async stop() {
      sub?.unsubscribe();
      sub = null;
      if (timer) clearTimeout(timer);
      timer = null;
      await pass;
    },
  };
  return learner;
}
