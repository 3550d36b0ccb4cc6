import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createTestEnv, startNodeProcess, waitFor, type RunningProcess, type TestEnv } from "@switchyard/testing";
import { assignerEnv, runnerToken, startSim } from "./harness.js";
import { freePort } from "@switchyard/runtime";

const RUNNERS = 4;
let env: TestEnv;
let sim: SimulatedGitLab;
let assigner: RunningProcess;
let brokerUrl: string;
let httpUrl: string;

beforeAll(async () => {
  env = await createTestEnv("shutdown");
  sim = await startSim();
  const [brokerPort, httpPort] = [await freePort(), await freePort()];
  brokerUrl = `http://127.0.0.1:${brokerPort}`;
  httpUrl = `http://127.0.0.1:${httpPort}`;
  assigner = startNodeProcess("assigner", "services/assigner/dist/main.js", assignerEnv(env, sim.url, RUNNERS, {
    SWITCHYARD_BROKER_PORT: String(brokerPort), SWITCHYARD_HTTP_PORT: String(httpPort), SWITCHYARD_LOG_LEVEL: "info",
    SWITCHYARD_LONG_POLL_MS: "50000",
  }));
  await assigner.waitForOutput(/assigner broker listening/);
});

afterAll(async () => {
  await assigner?.stop("SIGKILL");
  await sim?.close();
  await env.close();
});

describe("assigner on SIGTERM", () => {
  it("says not ready, answers every open long poll with 204, and exits 0 within the grace period", async () => {
    await waitFor(async () => (await fetch(`${httpUrl}/readyz`)).status === 200, { what: "ready" });
    // Held polls (Workhorse semantics: last_update equals the runner's version "v0"); no job exists.
    const polls = Array.from({ length: RUNNERS }, (_, i) => fetch(`${brokerUrl}/api/v4/jobs/request`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: runnerToken(i + 1), last_update: "v0", info: {} }),
    }));
    await waitFor(async () => (await env.redis.zcard(env.keys.polling("linux"))) === RUNNERS, { what: "every poll held" });

    const sent = Date.now();
    const exited = new Promise<number | null>((resolve) => assigner.child.once("exit", (code) => resolve(code)));
    assigner.child.kill("SIGTERM");
    const answers = await Promise.all(polls);
    expect(answers.map((r) => r.status)).toEqual(Array(RUNNERS).fill(204));
    expect(answers.every((r) => r.headers.get("x-gitlab-last-update") === "v0")).toBe(true);
    expect(await exited).toBe(0);
    // lifecycle's hard deadline is 10 s (Kubernetes' grace period is 30 s); a clean stop is well inside it.
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(assigner.output()).not.toMatch(/shutdown took too long|shutdown step failed/);
  }, 40_000);
});
