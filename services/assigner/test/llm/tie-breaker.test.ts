import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { LlmTieBreakV1 } from "@switchyard/contracts";
import { behaviours, startMessagesApiStub, type MessagesApiStub, type StubBehaviour } from "@switchyard/messages-api-stub";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createRedisLlmAuditLog, createTieBreaker, llmConfigSchema } from "../../src/deciding/llm/index.js";
import { API_KEY, silentLog, stubTieBreaker, tieInput } from "./fixtures.js";

let env: TestEnv;
let stub: MessagesApiStub;
beforeEach(async () => {
  env = await createTestEnv("llm-tiebreak");
  stub = await startMessagesApiStub({ behaviour: behaviours.echoFirst() });
});
afterEach(async () => {
  await stub.close();
  await env.close();
});

describe("LLM tie-breaker against a Messages API stub", () => {
  it("accepts an answer that names the second candidate and records question and answer for audit", async () => {
    stub.setBehaviour(behaviours.choose("r-2", "same pipeline already warm on r-2"));
    const { tieBreaker, audit } = stubTieBreaker(env, stub.url);
    const record = await tieBreaker.tieBreak(tieInput());
    expect(record).toMatchObject({ asked: true, skippedReason: null, model: "claude-haiku-4-5", choice: "r-2", accepted: true, reason: "same pipeline already warm on r-2" });
    expect(LlmTieBreakV1.parse(record)).toEqual(record);
    const entry = await audit.get(record.auditId!);
    expect(entry).toMatchObject({ jobId: 4242, choice: "r-2", accepted: true, outcome: "accepted", ruleChoice: "r-1", candidates: ["r-1", "r-2"] });
    expect(entry!.question).toEqual(stub.requests[0]!.body);
    expect(entry!.answer).toContain("same pipeline already warm on r-2");
    expect(entry!.costUsd).toBeGreaterThan(0);
  });

  it("asks with a forced choose_runner tool whose runner_id enum holds exactly the two candidates", async () => {
    const { tieBreaker } = stubTieBreaker(env, stub.url);
    const record = await tieBreaker.tieBreak(tieInput());
    expect(record).toMatchObject({ accepted: true, choice: "r-1" });
    const body = stub.requests[0]!.body as { tools: { name: string; input_schema: { properties: { runner_id: { enum: string[] } } } }[]; tool_choice: unknown; max_tokens: number };
    expect(body.tools[0]!.input_schema.properties.runner_id.enum).toEqual(["r-1", "r-2"]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "choose_runner" });
    expect(body.max_tokens).toBe(300);
  });

  it("accepts a plain JSON text answer only because it validates", async () => {
    stub.setBehaviour(behaviours.jsonText("r-2"));
    const { tieBreaker } = stubTieBreaker(env, stub.url);
    expect(await tieBreaker.tieBreak(tieInput())).toMatchObject({ asked: true, choice: "r-2", accepted: true });
  });

  const refused: { name: string; behaviour: StubBehaviour; reason: RegExp }[] = [
    { name: "a runner that is not a candidate", behaviour: behaviours.wrongRunner("r-9"), reason: /named r-9, not r-1 or r-2/ },
    { name: "prose instead of JSON", behaviour: behaviours.malformed("text"), reason: /not JSON/ },
    { name: "a tool input of the wrong shape", behaviour: behaviours.malformed("toolInput"), reason: /does not match the schema/ },
    { name: "a response body that is not JSON", behaviour: behaviours.malformed("body"), reason: /Messages API|failed/ },
    { name: "529 overloaded", behaviour: behaviours.overloaded(), reason: /529 overloaded_error/ },
    { name: "401 unauthorized", behaviour: behaviours.unauthorized(), reason: /401 authentication_error/ },
  ];
  for (const c of refused) {
    it(`keeps the rule choice when the answer is ${c.name}, and says why`, async () => {
      stub.setBehaviour(c.behaviour);
      const { tieBreaker, audit } = stubTieBreaker(env, stub.url);
      const record = await tieBreaker.tieBreak(tieInput());
      expect(record).toMatchObject({ asked: true, choice: null, accepted: false });
      expect(record.reason).toMatch(c.reason);
      expect(record.reason).toContain("rule choice r-1 stands");
      expect(LlmTieBreakV1.safeParse(record).success).toBe(true);
      expect(stub.requests).toHaveLength(1); // no retries
      expect((await audit.get(record.auditId!))?.accepted).toBe(false);
    });
  }

  it("counts outcomes, tokens and spend on the registry it is given", async () => {
    const registry = new Registry();
    const config = llmConfigSchema.parse({ apiKey: API_KEY, baseUrl: stub.url });
    const tieBreaker = createTieBreaker({ config, audit: createRedisLlmAuditLog(env.redis, env.keys.llmAudit), log: silentLog, metrics: { registry } });
    await tieBreaker.tieBreak(tieInput());
    stub.setBehaviour(behaviours.overloaded());
    await tieBreaker.tieBreak(tieInput());
    const text = await registry.metrics();
    expect(text).toContain('switchyard_llm_tiebreaks_total{outcome="accepted"} 1');
    expect(text).toContain('switchyard_llm_tiebreaks_total{outcome="error"} 1');
    expect(text).toContain('switchyard_llm_tokens_total{direction="input"} 420');
  });
});
