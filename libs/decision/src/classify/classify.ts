import type { TrustTier } from "@switchyard/contracts";
import type { ClassRules } from "./compile.js";

/** The class a job falls into, with its queue weight and trust tier. */
export interface Classification {
  jobClass: string;
  weight: number;
  tier: TrustTier;
  /** The rule that matched, for explanations. */
  rule: string;
}

/** Classifies a job by its CI variables: the first matching rule wins (the last rule always matches). */
export function classify(rules: ClassRules, variables: Readonly<Record<string, string>>): Classification {
  for (const rule of rules.rules) {
    if (rule.matches(variables)) return { jobClass: rule.jobClass, weight: rule.weight, tier: rule.tier, rule: rule.name };
  }
  // Unreachable for compiled rules (the last one is a catch-all); kept total for hand-built ones.
  const last = rules.rules[rules.rules.length - 1];
  return { jobClass: last?.jobClass ?? "default", weight: last?.weight ?? 0, tier: last?.tier ?? "advisory", rule: last?.name ?? "default" };
}

/** A variable entry as GitLab's job payload carries it. */
export interface PayloadVariable {
  key: string;
  value: string;
  masked?: boolean;
  public?: boolean;
}

/**
 * The job payload's variables as a map (a later entry overrides an earlier one, as in
 * gitlab-runner). Masked variables are left out: their values are secrets and never classify.
 */
export function variablesOf(gitlabJobPayload: { variables?: readonly PayloadVariable[] | null }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of gitlabJobPayload.variables ?? []) {
    if (!v || typeof v.key !== "string" || typeof v.value !== "string" || v.masked === true) continue;
    out[v.key] = v.value;
  }
  return out;
}

/** Where a job deploys, read from its variables; `null` when it has no environment. */
export interface Deployment {
  environment: string;
  tier: string | null;
  action: string | null;
  /** True unless the action is one that does not deploy (stop, verify, access). */
  isDeploy: boolean;
}

const NON_DEPLOY_ACTIONS = new Set(["stop", "verify", "access"]);

/** The job's environment from CI_ENVIRONMENT_* variables, for deploy ordering in the queue. */
export function deploymentOf(variables: Readonly<Record<string, string>>): Deployment | null {
  const environment = variables.CI_ENVIRONMENT_NAME;
  if (!environment) return null;
  const action = variables.CI_ENVIRONMENT_ACTION || null;
  return {
    environment,
    tier: variables.CI_ENVIRONMENT_TIER || null,
    action,
    isDeploy: action === null || !NON_DEPLOY_ACTIONS.has(action),
  };
}
