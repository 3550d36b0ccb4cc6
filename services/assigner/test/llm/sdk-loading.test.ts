import { describe, expect, it, vi } from "vitest";
import { waitFor } from "@switchyard/testing";
import type { LlmAuditLog } from "../../src/deciding/llm/index.js";
import { API_KEY, silentLog, tieInput } from "./fixtures.js";

// @anthropic-ai/sdk costs ~23 MB of RSS to load (measured: node -e "import('@anthropic-ai/sdk')"); most
// assigners run without a key, so only one with a key may load it (issue #16, memory).
let sdkLoads = 0;
vi.doMock("@anthropic-ai/sdk", async () => {
  sdkLoads++;
  return await vi.importActual<typeof import("@anthropic-ai/sdk")>("@anthropic-ai/sdk");
});
const { createTieBreaker, llmConfigSchema, NO_API_KEY } = await import("../../src/deciding/llm/index.js");
const audit: LlmAuditLog = { record: async () => undefined, get: async () => null } as unknown as LlmAuditLog;

describe("the Messages API client is loaded only when a key is configured", () => {
  it("never loads the SDK without an API key, and says why on every tie-break", async () => {
    const tieBreaker = createTieBreaker({ config: llmConfigSchema.parse({}), audit, log: silentLog });
    const record = await tieBreaker.tieBreak(tieInput());
    expect(record.asked).toBe(false);
    expect(record.skippedReason).toBe(NO_API_KEY);
    expect(sdkLoads).toBe(0);
  });

  it("starts loading it as soon as the tie-breaker is built with a key", async () => {
    createTieBreaker({ config: llmConfigSchema.parse({ apiKey: API_KEY, baseUrl: "http://127.0.0.1:9" }), audit, log: silentLog });
    await waitFor(() => sdkLoads === 1, { what: "the SDK import" });
    expect(sdkLoads).toBe(1);
  });
});
