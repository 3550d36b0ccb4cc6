import type { Candidate, JobQueued } from "@switchyard/contracts";
import { createLogger } from "@switchyard/runtime";
import type { TestEnv } from "@switchyard/testing";
import { createRedisLlmAuditLog, createTieBreaker, llmConfigSchema, type LlmAuditLog, type TieBreakInput, type TieBreaker } from "../../src/deciding/llm/index.js";

export const API_KEY = "sk-ant-api03-test-SECRET-do-not-leak-0123456789";
export const silentLog = createLogger({ name: "llm-test", level: "silent" });

/** A queued production deploy; `overrides` replace any field (e.g. an injected job name). */
export function queuedJob(overrides: Partial<JobQueued> = {}): JobQueued {
  return {
    v: 1, jobId: 4242, pool: "linux", projectId: 7, projectPath: "acme/shop", pipelineId: 900,
    name: "deploy:production", stage: "deploy", ref: "main", protectedRef: true, pipelineSource: "push",
    environment: { name: "production", tier: "production", action: "start" },
    jobClass: "production-deploy", tier: "autonomous", priority: 1000, arrivedAt: 1_700_000_000_000,
    gitlabQueueSeconds: 3, timeoutSeconds: 3600,
    openRunners: [{ runnerId: "r-1", freeSlots: 2 }, { runnerId: "r-2", freeSlots: 1 }, { runnerId: "r-evil", freeSlots: 8 }],
    ...overrides,
  };
}

export const first: Candidate = {
  runnerId: "r-1", total: 81,
  contributions: [{ plugin: "free-capacity", score: 90, weight: 1 }, { plugin: "success-rate", score: 72, weight: 1 }],
};
export const second: Candidate = {
  runnerId: "r-2", total: 76,
  contributions: [{ plugin: "free-capacity", score: 60, weight: 1 }, { plugin: "pipeline-affinity", score: 92, weight: 1 }],
};

export function tieInput(overrides: Partial<TieBreakInput> = {}): TieBreakInput {
  return { job: queuedJob(), first, second, ruleChoice: first.runnerId, ...overrides };
}

/** A tie-breaker pointed at the stub, auditing into the test's own Redis prefix. */
export function stubTieBreaker(env: TestEnv, stubUrl: string, config: Record<string, unknown> = {}, extra: { now?: () => number } = {}): { tieBreaker: TieBreaker; audit: LlmAuditLog } {
  const audit = createRedisLlmAuditLog(env.redis, env.keys.llmAudit);
  const parsed = llmConfigSchema.parse({ apiKey: API_KEY, baseUrl: stubUrl, ...config });
  return { tieBreaker: createTieBreaker({ config: parsed, audit, log: silentLog, ...extra }), audit };
}
