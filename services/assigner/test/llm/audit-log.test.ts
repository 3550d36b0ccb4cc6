import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createRedisLlmAuditLog, type LlmAuditEntry } from "../../src/deciding/llm/index.js";

let env: TestEnv;
beforeEach(async () => { env = await createTestEnv("llm-audit"); });
afterEach(async () => { await env.close(); });

const entry = (i: number): LlmAuditEntry => ({
  auditId: `a-${i}`, at: 1_700_000_000_000 + i, jobId: i, model: "claude-haiku-4-5", ruleChoice: "r-1", candidates: ["r-1", "r-2"],
  question: { messages: [{ role: "user", content: `job ${i}` }] }, answer: "{}", outcome: "accepted", choice: "r-2", accepted: true,
  reason: "warm", latencyMs: 12, inputTokens: 10, outputTokens: 5, costUsd: 0.0001,
});

describe("Redis LLM audit log", () => {
  it("returns a recorded entry by its audit id, and null for an unknown one", async () => {
    const audit = createRedisLlmAuditLog(env.redis, env.keys.llmAudit);
    await audit.record(entry(1));
    expect(await audit.get("a-1")).toEqual(entry(1));
    expect(await audit.get("a-unknown")).toBeNull();
  });

  it("keeps only the newest maxEntries entries, newest first", async () => {
    const audit = createRedisLlmAuditLog(env.redis, env.keys.llmAudit, 3);
    for (let i = 1; i <= 5; i++) await audit.record(entry(i));
    expect((await audit.recent(10)).map((e) => e.auditId)).toEqual(["a-5", "a-4", "a-3"]);
    expect(await audit.get("a-1")).toBeNull();
    expect(await env.redis.hlen(env.keys.llmAudit)).toBe(3);
  });
});
