import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBus, createMetrics, startAgentHttpServer, type AgentHttpServer } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createDashboard } from "../src/dashboard/dashboard.js";
import { captureLogger } from "./harness.js";

const TOKEN = "dash-token-0123456789-secret";

describe("dashboard HTTP errors", () => {
  let env: TestEnv;
  let server: AgentHttpServer | undefined;

  async function start(): Promise<string> {
    const logs = captureLogger();
    const metrics = createMetrics("monitor");
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "monitor", log: logs.log, metrics });
    server = await startAgentHttpServer({
      host: "127.0.0.1", port: 0, registry: metrics.registry, isReady: () => true, log: logs.log,
      routes: [
        createDashboard({ redis: env.redis, keys: env.keys, bus, log: logs.log, token: TOKEN, diskThreshold: 0.6, refreshMs: 2000 }),
        (req) => { if (req.url === "/boom") throw new Error(`redis at ${env.prefix} said NOAUTH`); return false; },
      ],
    });
    return server.url;
  }

  beforeEach(async () => { env = await createTestEnv("dashlimits"); });
  afterEach(async () => { await server?.close(); server = undefined; await env.close(); });

  it("answers an oversized sign-in form with 413 and a clear message, and keeps serving", async () => {
    const url = await start();
    const form = new URLSearchParams({ token: TOKEN, name: "x".repeat(5000) });
    const big = await fetch(`${url}/dashboard/login`, {
      method: "POST", redirect: "manual", body: form, headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(big.status).toBe(413);
    const text = await big.text();
    expect(text).toMatch(/sign-in form too large: at most 4096 bytes/);
    expect(text).not.toMatch(/internal|error/i);
    expect(big.headers.get("set-cookie")).toBeNull();
    // Without a declared length (chunked), the limit holds while reading.
    const chunked = await fetch(`${url}/dashboard/login`, {
      method: "POST", redirect: "manual", duplex: "half",
      body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(`token=${"y".repeat(6000)}`)); c.close(); } }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const ok = await fetch(`${url}/dashboard/login`, {
      method: "POST", redirect: "manual", body: new URLSearchParams({ token: TOKEN, name: "alice" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("set-cookie")).toMatch(/HttpOnly/);
  });

  it("never puts an internal error's text in the answer", async () => {
    const url = await start();
    const res = await fetch(`${url}/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toBe("500 Internal Server Error\n");
    expect(text).not.toContain("NOAUTH");
  });
});
