import {
  classify, compileClassRules, defaultClassRules, pickNext, queueKey,
  type ClassRules, type PickContext, type QueueEntry, type QueueOrderConfig,
} from "@switchyard/decision";
import type { TrustTier } from "@switchyard/contracts";
import type { HeldJobMeta } from "../queue/held-jobs.js";

/** The assigner's view of the decision library: class, tier and queue order of held jobs. */
export interface JobClassifier {
  classify(variables: Record<string, string>): { jobClass: string; weight: number; tier: TrustTier };
  /** The learned run time of the job's name (s), or null when unknown. */
  expectedDuration(meta: Pick<HeldJobMeta, "projectId" | "name">): number | null;
  /** The static queue key; reads `meta.expectedDurationS` (set it first with expectedDuration). */
  queueKey(meta: Omit<HeldJobMeta, "fifoSeq">): number;
  pickNext(head: readonly HeldJobMeta[], ctx: PickContext): HeldJobMeta | undefined;
  /** Whether the job counts against its project's top-class budget. */
  isHighClass(meta: HeldJobMeta): boolean;
  /** Every class the rules can give, in rule order (what the CLI's `tier` accepts). */
  jobClasses(): readonly string[];
}

/**
 * `tierOverrides` is consulted on every job, so an operator's change (see tier-overrides.ts)
 * applies to the next job that arrives. `expected` gives the optimizer's learned run times
 * (duration-estimates.ts); without it every job counts as of unknown duration.
 */
export function createJobClassifier(
  ruleSpecs: unknown, order: QueueOrderConfig, tierOverrides: () => Readonly<Record<string, TrustTier>>,
  expected: (projectId: number, jobName: string) => number | null = () => null,
): JobClassifier {
  const rules: ClassRules = compileClassRules(ruleSpecs ?? defaultClassRules);
  const entryOf = (m: Omit<HeldJobMeta, "fifoSeq">): QueueEntry => ({
    jobId: m.jobId, projectId: m.projectId, jobClass: m.jobClass, weight: m.weight,
    arrivedAt: m.arrivedAt, environment: m.environment, isDeploy: m.isDeploy, expectedDurationS: m.expectedDurationS ?? null,
  });
  return {
    classify(variables) {
      const c = classify(rules, variables);
      return { ...c, tier: tierOverrides()[c.jobClass] ?? c.tier };
    },
    expectedDuration: (meta) => expected(meta.projectId, meta.name),
    queueKey: (meta) => queueKey(entryOf(meta), order),
    isHighClass: (meta) => meta.weight >= order.highClassBudget.minWeight,
    jobClasses: () => [...new Set(rules.rules.map((r) => r.jobClass))],
    pickNext(head, ctx) {
      const byId = new Map(head.map((m) => [m.jobId, m]));
      const picked = pickNext(head.map(entryOf), ctx, order);
      return picked ? byId.get(picked.jobId) : undefined;
    },
  };
}
