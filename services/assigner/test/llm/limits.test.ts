import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LlmTieBreakV1 } from "@switchyard/contracts";
import { behaviours, startMessagesApiStub, type MessagesApiStub } from "@switchyard/messages-api-stub";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createRedisLlmAuditLog, createTieBreaker, llmConfigSchema, NO_API_KEY } from "../../src/deciding/llm/index.js";
import { silentLog, stubTieBreaker, tieInput } from "./fixtures.js";

let env: TestEnv;
let stub: MessagesApiStub;
let clock: number;
const now = () => clock;
beforeEach(async () => {
  env = await createTestEnv("llm-limits");
  stub = await startMessagesApiStub({ behaviour: behaviours.choose("r-2") });
  clock = Date.UTC(2025, 5, 1, 23, 58, 0);
});
afterEach(async () => {
  await stub.close();
  await env.close();
});

describe("LLM tie-breaker caps and switch", () => {
  it("skips the question past the calls-per-minute cap and asks again once the minute has slid by", async () => {
    const { tieBreaker } = stubTieBreaker(env, stub.url, { maxCallsPerMinute: 2 }, { now });
    expect((await tieBreaker.tieBreak(tieInput())).accepted).toBe(true);
    clock += 10_000;
    expect((await tieBreaker.tieBreak(tieInput())).accepted).toBe(true);
    clock += 10_000;
    const capped = await tieBreaker.tieBreak(tieInput());
    expect(capped).toMatchObject({ asked: false, accepted: false, choice: null, auditId: null });
    expect(capped.skippedReason).toMatch(/^rate cap: 2 LLM calls in the last minute \(max 2\): rule choice stands$/);
    expect(stub.requests).toHaveLength(2);
    clock += 41_000; // the first call is now over a minute old
    expect((await tieBreaker.tieBreak(tieInput())).asked).toBe(true);
    expect(stub.requests).toHaveLength(3);
  });

  it("skips the question once the day's spend reaches the cap, and resets on the next UTC day", async () => {
    stub.setUsage({ input_tokens: 1_000_000, output_tokens: 0 }); // $3 per call at the price below
    const { tieBreaker, audit } = stubTieBreaker(env, stub.url, { maxDailySpendUsd: 5, inputPricePerMTok: 3, outputPricePerMTok: 15 }, { now });
    const firstRecord = await tieBreaker.tieBreak(tieInput());
    expect((await audit.get(firstRecord.auditId!))?.costUsd).toBeCloseTo(3);
    expect((await tieBreaker.tieBreak(tieInput())).asked).toBe(true);
    const capped = await tieBreaker.tieBreak(tieInput());
    expect(capped.asked).toBe(false);
    expect(capped.skippedReason).toMatch(/^spend cap: \$6\.0000 spent today \(UTC\), cap \$5\.00: rule choice stands$/);
    expect(stub.requests).toHaveLength(2);
    clock += 3 * 60_000; // past midnight UTC
    expect((await tieBreaker.tieBreak(tieInput())).asked).toBe(true);
  });

  it("is off without an API key, says so on every decision and never calls the API", async () => {
    const config = llmConfigSchema.parse({ baseUrl: stub.url });
    const tieBreaker = createTieBreaker({ config, audit: createRedisLlmAuditLog(env.redis, env.keys.llmAudit), log: silentLog });
    expect(tieBreaker.enabled).toBe(false);
    const record = await tieBreaker.tieBreak(tieInput());
    expect(record).toEqual({ asked: false, skippedReason: NO_API_KEY, model: null, choice: null, accepted: false, reason: null, latencyMs: null, auditId: null });
    expect(NO_API_KEY).toBe("no ANTHROPIC_API_KEY: tie-break off");
    expect(LlmTieBreakV1.parse(record)).toEqual(record);
    expect(stub.requests).toHaveLength(0);
    expect(await env.redis.exists(env.keys.llmAudit)).toBe(0);
  });
});
