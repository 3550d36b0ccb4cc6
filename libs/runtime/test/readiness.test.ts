import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOwnNats, startOwnRedis, waitFor, uniquePrefix, type OwnServer } from "@switchyard/testing";
import { baseConfigSchema, loadConfig, startAgentRuntime, type AgentRuntime } from "../src/index.js";

describe("/readyz follows the connections and shutdown", () => {
  let nats: OwnServer;
  let redis: OwnServer;
  let rt: AgentRuntime;
  const readyz = async () => (await fetch(`${rt.http.url}/readyz`)).status;

  beforeAll(async () => {
    [nats, redis] = await Promise.all([startOwnNats(), startOwnRedis()]);
    const prefix = uniquePrefix("readyz");
    const config = loadConfig(baseConfigSchema, { env: { NATS_URL: nats.url, REDIS_URL: redis.url, SWITCHYARD_SUBJECT_PREFIX: prefix, SWITCHYARD_KEY_PREFIX: prefix, SWITCHYARD_LOG_LEVEL: "silent" } });
    rt = await startAgentRuntime({ agent: "scorer", config, handleSignals: false });
  });
  afterAll(async () => {
    await rt?.lifecycle.shutdown("test over");
    await Promise.all([nats?.close(), redis?.close()]);
  });

  it("is 503 until the agent says ready, while NATS or Redis is down, and from the moment shutdown begins", async () => {
    expect(await readyz()).toBe(503);
    rt.setReady(true);
    expect(await readyz()).toBe(200);

    await nats.kill();
    await waitFor(async () => (await readyz()) === 503, { what: "not ready without NATS" });
    await nats.restart();
    await waitFor(async () => (await readyz()) === 200, { timeoutMs: 15_000, what: "ready with NATS back" });

    await redis.kill();
    await waitFor(async () => (await readyz()) === 503, { what: "not ready without Redis" });
    await redis.restart();
    await waitFor(async () => (await readyz()) === 200, { timeoutMs: 15_000, what: "ready with Redis back" });

    const stopping = rt.lifecycle.shutdown("test");
    expect(rt.isReady()).toBe(false);
    await stopping;
  });
});
