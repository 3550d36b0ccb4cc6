import { connect, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

// Slow-client limits of the runner-facing server. gitlab-runner sends its JSON bodies at once and
// streams traces and artifacts as fast as the link allows (network/gitlab.go PatchTrace,
// UploadRawArtifacts), so a request that stalls is held open by someone else.
const HEADERS_MS = 400;
const BODY_DEADLINE_MS = 400;
const UPLOAD_IDLE_MS = 500;

let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner;

beforeEach(async () => {
  env = await createTestEnv("slowclients");
  sim = await startSim({});
  sy = await startTestAssigner(env, sim.url, 1, {
    SWITCHYARD_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
    SWITCHYARD_BODY_DEADLINE_MS: String(BODY_DEADLINE_MS),
    SWITCHYARD_UPLOAD_IDLE_TIMEOUT_MS: String(UPLOAD_IDLE_MS),
  });
});
afterEach(async () => {
  await sy.stop();
  await sim.close();
  await env.close();
});

/** A raw connection to the broker: what it answered, and when the broker closed it. */
function open(): Promise<{ socket: Socket; write: (s: string) => void; closed: Promise<{ answer: string; afterMs: number }> }> {
  const { hostname, port } = new URL(sy.brokerUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const started = Date.now();
      let answer = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => { answer += chunk; });
      const closed = new Promise<{ answer: string; afterMs: number }>((done) => socket.once("close", () => done({ answer, afterMs: Date.now() - started })));
      resolve({ socket, write: (s) => socket.write(s), closed });
    });
    socket.once("error", reject);
  });
}

async function slowCount(kind: string): Promise<number> {
  const metric = await sy.rt.metrics.registry.getSingleMetric("switchyard_broker_slow_requests_total")?.get();
  return metric?.values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

describe("slow clients on the runner-facing server", () => {
  it("headers that never finish get 408 and a closed connection", async () => {
    const c = await open();
    c.write("POST /api/v4/jobs/request HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\n");
    const { answer } = await c.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(await slowCount("headers")).toBe(1);
  });

  it("a jobs/request body that trickles past its deadline gets 408 and nothing is handed out", async () => {
    const c = await open();
    const body = JSON.stringify({ token: runnerToken(1), info: {} });
    c.write(`POST /api/v4/jobs/request HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    const timer = setInterval(() => { if (!c.socket.destroyed) c.write(" "); }, BODY_DEADLINE_MS / 4);
    const { answer } = await c.closed;
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain("408 Request Timeout");
    expect(await slowCount("deadline")).toBe(1);
  });

  it("an upload goes on past the body deadline while it moves, and is ended once it stalls", async () => {
    const c = await open();
    c.write("POST /api/v4/jobs/1/artifacts HTTP/1.1\r\nHost: broker\r\nJOB-TOKEN: not-a-real-token\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
    // Three deadlines' worth of a slow but moving upload: never ended for taking long.
    const movingUntil = Date.now() + 3 * BODY_DEADLINE_MS;
    while (Date.now() < movingUntil) {
      c.write("4\r\ndata\r\n");
      await new Promise((r) => setTimeout(r, UPLOAD_IDLE_MS / 5));
      expect(c.socket.destroyed).toBe(false);
    }
    expect(await slowCount("idle")).toBe(0);
    // Then it stops moving.
    const { answer } = await c.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(await slowCount("idle")).toBe(1);
  });

  it("sixty stalled bodies are all closed, and the broker still serves runners", async () => {
    const body = JSON.stringify({ token: runnerToken(1), info: {} });
    const conns = await Promise.all(Array.from({ length: 60 }, () => open()));
    for (const c of conns) c.write(`POST /api/v4/runners/verify HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n{`);
    const results = await Promise.all(conns.map((c) => c.closed));
    expect(results.every((r) => /^HTTP\/1\.1 408 /.test(r.answer))).toBe(true);
    expect(await slowCount("deadline")).toBe(60);
    const res = await fetch(`${sy.brokerUrl}/api/v4/runners/verify`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(200);
  });
});
