import type { ClassRuleSpec } from "./rule-spec.js";

/**
 * The built-in classes, first match wins. Weights are queue-order points (see
 * queue-order/config.ts: one point is `secondsPerWeightPoint` of head start):
 * production-deploy 100, other-deploy 60, protected 40, default 20, merge-request 30, scheduled 10.
 * Scheduled pipelines rank below everyday work: nobody waits on a nightly job.
 * Production deploys are `supervised` (a human confirms where they run); the rest are `autonomous`.
 */
export const defaultClassRules: ClassRuleSpec[] = [
  {
    name: "production-deploy",
    // GitLab sets CI_ENVIRONMENT_ACTION only when `environment:action` is written; unset means start.
    when: { CI_ENVIRONMENT_TIER: "production", CI_ENVIRONMENT_ACTION: { notIn: ["stop", "verify", "access"] } },
    weight: 100,
    tier: "supervised",
  },
  { name: "other-deploy", when: { CI_ENVIRONMENT_NAME: { set: true } }, weight: 60, tier: "autonomous" },
  { name: "protected-ref", jobClass: "protected", when: { CI_COMMIT_REF_PROTECTED: "true" }, weight: 40, tier: "autonomous" },
  {
    name: "default-branch",
    jobClass: "protected",
    when: { CI_COMMIT_BRANCH: { equalsVar: "CI_DEFAULT_BRANCH" } },
    weight: 40,
    tier: "autonomous",
  },
  { name: "merge-request", when: { CI_PIPELINE_SOURCE: "merge_request_event" }, weight: 30, tier: "autonomous" },
  { name: "scheduled", when: { CI_PIPELINE_SOURCE: "schedule" }, weight: 10, tier: "autonomous" },
  { name: "default", when: {}, weight: 20, tier: "autonomous" },
];
