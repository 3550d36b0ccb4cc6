import { z } from "zod";

/** The LLM tie-breaker's settings; no `apiKey` means tie-break off. Nest with `.prefault({})` so defaults apply. */
export const llmConfigSchema = z.object({
  apiKey: z.string().min(1).optional().describe("Anthropic API key (secret; from ANTHROPIC_API_KEY); absent = tie-break off"),
  baseUrl: z.url().optional().describe("Messages API base URL, for a proxy or the test stub; default https://api.anthropic.com"),
  model: z.string().min(1).max(128).default("claude-haiku-4-5").describe("Claude model id asked to break ties; a fast model suits the 1.5 s budget"),
  timeoutMs: z.coerce.number().int().positive().max(30_000).default(1_500).describe("hard time budget per question; the call is aborted then"),
  maxCallsPerMinute: z.coerce.number().int().min(0).default(30).describe("sliding-window cap on questions per minute; past it the rule choice stands"),
  maxDailySpendUsd: z.coerce.number().min(0).default(5).describe("cap on spend per UTC day, from reported token usage × prices"),
  inputPricePerMTok: z.coerce.number().min(0).default(1).describe("USD per million input tokens"),
  outputPricePerMTok: z.coerce.number().min(0).default(5).describe("USD per million output tokens"),
  maxTokens: z.coerce.number().int().positive().max(4_096).default(300).describe("max_tokens of each question"),
});
export type LlmConfig = z.infer<typeof llmConfigSchema>;
