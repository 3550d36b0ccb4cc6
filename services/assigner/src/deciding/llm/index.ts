export { llmConfigSchema, type LlmConfig } from "./config.js";
export { buildQuestion, CHOOSE_RUNNER_TOOL, type TieBreakInput, type Question } from "./question.js";
export { readAnswer, type ReadAnswer } from "./answer.js";
export { createTieBreaker, NO_API_KEY, type TieBreaker, type TieBreakerDeps } from "./tie-breaker.js";
export { createRedisLlmAuditLog, type LlmAuditLog, type LlmAuditEntry } from "./audit-log.js";
export { createCallLimits, type CallLimits } from "./call-limits.js";
