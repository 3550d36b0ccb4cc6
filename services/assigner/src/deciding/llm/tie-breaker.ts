import { randomUUID } from "node:crypto";
import type Anthropic from "@anthropic-ai/sdk";
import type { Registry } from "prom-client";
import type { LlmTieBreak } from "@switchyard/contracts";
import { scrubSecrets, type Logger } from "@switchyard/runtime";
import { readAnswer } from "./answer.js";
import type { LlmAuditEntry, LlmAuditLog } from "./audit-log.js";
import { createCallLimits } from "./call-limits.js";
import type { LlmConfig } from "./config.js";
import { createLlmMetrics, type TieBreakOutcome } from "./llm-metrics.js";
import { buildQuestion, type TieBreakInput } from "./question.js";

/** Asks the LLM to choose between two near-tied runners; never throws, returns within the budget plus a little slack. */
export interface TieBreaker {
  readonly enabled: boolean;
  tieBreak(input: TieBreakInput): Promise<LlmTieBreak>;
}

export interface TieBreakerDeps {
  config: LlmConfig;
  audit: LlmAuditLog;
  log: Logger;
  now?: () => number;
  /** The agent's metrics (anything with a prom-client registry). */
  metrics?: { registry: Registry };
}

/** Skip reason when no API key is configured. */
export const NO_API_KEY = "no ANTHROPIC_API_KEY: tie-break off";
/** Extra time past the budget for the abort to settle and the audit entry to be written. */
const ABORT_SLACK_MS = 100;
const AUDIT_SLACK_MS = 150;

type CallResult =
  | { kind: "answer"; message: Anthropic.Message }
  | { kind: "error"; text: string }
  | { kind: "timeout" };

interface LoadedClient {
  client: Anthropic;
  errors: { APIError: typeof Anthropic.APIError; APIUserAbortError: typeof Anthropic.APIUserAbortError };
}

async function loadClient(apiKey: string, config: LlmConfig): Promise<LoadedClient> {
  const sdk = await import("@anthropic-ai/sdk");
  const client = new sdk.default({ apiKey, baseURL: config.baseUrl ?? "https://api.anthropic.com", maxRetries: 0, timeout: config.timeoutMs + ABORT_SLACK_MS, logLevel: "off" });
  return { client, errors: { APIError: sdk.APIError, APIUserAbortError: sdk.APIUserAbortError } };
}

/** Builds the tie-breaker from config; without an API key it is disabled and says so on every decision. */
export function createTieBreaker(deps: TieBreakerDeps): TieBreaker {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "llm-tie-breaker" });
  const metrics = deps.metrics ? createLlmMetrics(deps.metrics.registry) : null;
  const limits = createCallLimits(config);
  const apiKey = config.apiKey;
  // The SDK costs ~23 MB of RSS to load: only an assigner with a key loads it, and it starts loading now so
  // the first tie-break does not pay for the import inside its time budget.
  const client = apiKey ? loadClient(apiKey, config) : null;
  client?.catch((err: unknown) => log.error({ err: clean(String(err)) }, "could not load @anthropic-ai/sdk; tie-break off"));
  const clean = (text: string) => scrubSecrets(apiKey ? text.split(apiKey).join("[REDACTED]") : text).slice(0, 4_000);

  const skipped = (skippedReason: string, outcome: TieBreakOutcome): LlmTieBreak => {
    metrics?.tieBreaks.inc({ outcome });
    return { asked: false, skippedReason, model: null, choice: null, accepted: false, reason: null, latencyMs: null, auditId: null };
  };

  async function call(question: ReturnType<typeof buildQuestion>): Promise<CallResult> {
    if (!client) return { kind: "error", text: NO_API_KEY };
    let sdk: LoadedClient;
    try {
      sdk = await client;
    } catch (err) {
      return { kind: "error", text: `Messages API client not loaded: ${(err as Error).message}` };
    }
    const { APIError, APIUserAbortError } = sdk.errors;
    const controller = new AbortController();
    let hardStop: NodeJS.Timeout | undefined;
    const abortTimer = setTimeout(() => controller.abort(), config.timeoutMs);
    const deadline = new Promise<CallResult>((resolve) => { hardStop = setTimeout(() => resolve({ kind: "timeout" }), config.timeoutMs + ABORT_SLACK_MS); });
    const request = sdk.client.messages.create(question, { signal: controller.signal, maxRetries: 0 })
      .then((message): CallResult => ({ kind: "answer", message }))
      .catch((err: unknown): CallResult => {
        if (err instanceof APIUserAbortError || controller.signal.aborted) return { kind: "timeout" };
        if (err instanceof APIError) return { kind: "error", text: `Messages API ${err.status ?? "connection"} ${err.type ?? ""}: ${err.message}` };
        return { kind: "error", text: `Messages API call failed: ${(err as Error).message}` };
      });
    try {
      return await Promise.race([request, deadline]);
    } finally {
      clearTimeout(abortTimer);
      clearTimeout(hardStop);
      controller.abort();
    }
  }

  async function writeAudit(entry: LlmAuditEntry): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => { timer = setTimeout(() => { log.warn({ auditId: entry.auditId }, "llm audit write still running; not waiting"); resolve(); }, AUDIT_SLACK_MS); });
    const write = deps.audit.record(entry).catch((err: unknown) => log.warn({ err: clean(String(err)), auditId: entry.auditId }, "llm audit write failed"));
    await Promise.race([write, late]);
    clearTimeout(timer);
  }

  async function ask(input: TieBreakInput): Promise<LlmTieBreak> {
    const candidates: [string, string] = [input.first.runnerId, input.second.runnerId];
    if (candidates[0] === candidates[1]) return skipped("both candidates are the same runner", "skipped_invalid");
    const refusal = limits.refusal(now());
    if (refusal) return skipped(`${refusal}: rule choice stands`, refusal.startsWith("rate") ? "skipped_rate" : "skipped_spend");

    const question = buildQuestion(input, config);
    const auditId = randomUUID();
    const at = now();
    limits.recordCall(at);
    const result = await call(question);
    const latencyMs = Math.max(0, now() - at);
    metrics?.latency.observe(latencyMs / 1000);

    const stands = `rule choice ${input.ruleChoice} stands`;
    let entry: Omit<LlmAuditEntry, "auditId" | "at" | "jobId" | "model" | "ruleChoice" | "candidates" | "question" | "latencyMs">;
    if (result.kind === "answer") {
      const { message } = result;
      const inputTokens = message.usage?.input_tokens ?? 0;
      const outputTokens = message.usage?.output_tokens ?? 0;
      const costUsd = (inputTokens * config.inputPricePerMTok + outputTokens * config.outputPricePerMTok) / 1_000_000;
      limits.recordSpend(now(), costUsd);
      metrics?.tokens.inc({ direction: "input" }, inputTokens);
      metrics?.tokens.inc({ direction: "output" }, outputTokens);
      metrics?.spendUsd.inc(costUsd);
      const answer = readAnswer(message.content, candidates);
      const raw = clean(JSON.stringify({ id: message.id, model: message.model, content: message.content, stop_reason: message.stop_reason, usage: message.usage }));
      entry = answer.ok
        ? { answer: raw, outcome: "accepted", choice: answer.runnerId, accepted: true, reason: answer.reason || `LLM chose ${answer.runnerId}`, inputTokens, outputTokens, costUsd }
        : { answer: raw, outcome: "refused", choice: null, accepted: false, reason: `${answer.problem}; ${stands}`, inputTokens, outputTokens, costUsd };
    } else if (result.kind === "timeout") {
      entry = { answer: `timeout: no answer within ${config.timeoutMs} ms, call aborted`, outcome: "timeout", choice: null, accepted: false, reason: `no answer within ${config.timeoutMs} ms; ${stands}`, inputTokens: null, outputTokens: null, costUsd: 0 };
    } else {
      const text = clean(result.text);
      entry = { answer: `error: ${text}`, outcome: "error", choice: null, accepted: false, reason: `${text.slice(0, 300)}; ${stands}`, inputTokens: null, outputTokens: null, costUsd: 0 };
    }
    metrics?.tieBreaks.inc({ outcome: entry.outcome });
    await writeAudit({ ...entry, auditId, at, jobId: input.job.jobId, model: config.model, ruleChoice: input.ruleChoice, candidates, question, latencyMs });
    log.info({ jobId: input.job.jobId, outcome: entry.outcome, choice: entry.choice, ruleChoice: input.ruleChoice, latencyMs, auditId }, "llm tie-break");
    return { asked: true, skippedReason: null, model: config.model, choice: entry.choice, accepted: entry.accepted, reason: entry.reason, latencyMs, auditId };
  }

  return {
    enabled: client !== null,
    async tieBreak(input) {
      if (!client) return skipped(NO_API_KEY, "disabled");
      try {
        return await ask(input);
      } catch (err) {
        log.warn({ err: clean(String(err)), jobId: input.job.jobId }, "llm tie-break failed");
        return skipped(`tie-breaker failed: ${clean(String(err)).slice(0, 200)}; rule choice stands`, "error");
      }
    },
  };
}
