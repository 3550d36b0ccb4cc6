import { TrustTier } from "@switchyard/contracts";
import type { ClassRegret } from "./counterfactual.js";

/** Evidence about one job class's decisions, for trust-tier proposals. */
export interface TrustEvidence {
  jobClass: string;
  tier: TrustTier;
  decisions: number;
  approved: number;
  rejected: number;
  timedOut: number;
  /** rejected / (approved + rejected); null without human verdicts (timeouts are no verdict). */
  rejectionRate: number | null;
  regret: ClassRegret | null;
}

/** When evidence is strong enough to move a class up or down a tier. */
export interface TrustThresholds {
  minDecisions: number;
  minEstimated: number;
  promoteMaxMeanRegretSeconds: number;
  promoteMaxRejectionRate: number;
  demoteMinMeanRegretSeconds: number;
  demoteMinRejectionRate: number;
}

/** A proposed tier change with its reason; applied only by an operator. */
export interface TrustProposal {
  jobClass: string;
  from: TrustTier;
  to: TrustTier;
  direction: "promote" | "demote";
  reason: string;
}

const ORDER: readonly TrustTier[] = [TrustTier.advisory, TrustTier.supervised, TrustTier.autonomous];

/**
 * Proposes a demotion when regret or the rejection rate passes its limit, or a promotion when there are
 * enough decisions and estimates, regret is at most the limit and (for supervised) humans rarely reject.
 * Null when the evidence says nothing.
 */
export function proposeTrustChange(e: TrustEvidence, t: TrustThresholds): TrustProposal | null {
  const i = ORDER.indexOf(e.tier);
  const mean = e.regret?.meanRegretSeconds ?? null;
  const estimated = e.regret?.estimated ?? 0;
  if (e.decisions < t.minDecisions) return null;
  const fmt = (v: number | null) => (v === null ? "n/a" : v.toFixed(1));
  const facts = `${e.decisions} decisions, mean regret ${fmt(mean)} s over ${estimated} estimates, rejection rate ${e.rejectionRate === null ? "n/a" : (e.rejectionRate * 100).toFixed(0) + "%"}`;
  if (i > 0) {
    const badRegret = mean !== null && estimated >= t.minEstimated && mean >= t.demoteMinMeanRegretSeconds;
    const badRejections = e.rejectionRate !== null && e.rejectionRate >= t.demoteMinRejectionRate;
    if (badRegret || badRejections) {
      return { jobClass: e.jobClass, from: e.tier, to: ORDER[i - 1]!, direction: "demote", reason: `${badRegret ? "regret" : "rejections"} over limit: ${facts}` };
    }
  }
  if (i < ORDER.length - 1) {
    if (mean === null || estimated < t.minEstimated || mean > t.promoteMaxMeanRegretSeconds) return null;
    if (e.tier === TrustTier.supervised && (e.rejectionRate === null || e.rejectionRate > t.promoteMaxRejectionRate)) return null;
    return { jobClass: e.jobClass, from: e.tier, to: ORDER[i + 1]!, direction: "promote", reason: `evidence passes thresholds: ${facts}` };
  }
  return null;
}
