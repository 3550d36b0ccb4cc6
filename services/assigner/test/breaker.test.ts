import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@switchyard/runtime";
import { createRunnerFleet, type RunnerFleet, type SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createTestEnv, startNodeProcess, waitFor, type RunningProcess, type TestEnv } from "@switchyard/testing";
import type { Decision } from "@switchyard/contracts";
import { runnerId, runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner;
let fleet: RunnerFleet;
let scorer: RunningProcess | undefined;
let feeding: NodeJS.Timeout | undefined;

const startScorer = () => startNodeProcess("scorer", "services/scorer/dist/main.js", env.agentEnv({ SWITCHYARD_HTTP_PORT: "0" }));

beforeAll(async () => {
  env = await createTestEnv("breaker");
  sim = await startSim({ speed: 60 });
  sy = await startTestAssigner(env, sim.url, 4, { SWITCHYARD_BREAKER_HALF_OPEN_MS: "500" });
  scorer = startScorer();
  await scorer.waitForOutput(/scorer listening/);
  fleet = await createRunnerFleet({
    url: sy.brokerUrl, speed: 60, log: createLogger({ name: "fleet", level: "silent" }), checkIntervalMs: 100,
    runners: [1, 2, 3, 4].map((i) => ({ id: runnerId(i), token: runnerToken(i), limit: 2 })),
  });
  // Jobs keep flowing for the whole test.
  let n = 0;
  feeding = setInterval(() => { sim.enqueueJob({ name: `job ${n++}`, tags: ["linux"], durationSeconds: 1 }); }, 40);
}, 60_000);

afterAll(async () => {
  clearInterval(feeding);
  await fleet.close();
  await scorer?.stop("SIGKILL");
  await sy.stop();
  await sim.close();
  await env.close();
}, 60_000);

describe("the FIFO circuit breaker", () => {
  it("keeps dispatching in FIFO within a second of the scorer dying, and goes back to scoring when it returns", async () => {
    const decisions = env.collect(env.subjects.decisionAll);
    const all = () => decisions.json<Decision>();
    await waitFor(() => all().filter((d) => d.mode === "rule").length >= 10, { timeoutMs: 20_000, what: "scored decisions" });

    const killedAt = Date.now();
    await scorer!.stop("SIGKILL");
    const fifo = await waitFor(() => all().find((d) => d.decidedAt >= killedAt && d.mode === "fifo-fallback"), { timeoutMs: 10_000, what: "a FIFO decision" });
    expect(fifo.decidedAt - killedAt).toBeLessThan(1_000);
    expect(fifo.fallbackReason).toMatch(/scorer|breaker/);
    // Runners keep getting jobs with the scorer gone.
    const handedBefore = fleet.receivedJobIds().length;
    await waitFor(() => fleet.receivedJobIds().length >= handedBefore + 10, { timeoutMs: 10_000, what: "jobs handed out in FIFO" });
    expect(await env.redis.get(env.keys.breaker)).toMatch(/"state":"(open|half-open)"/);

    const restartedAt = Date.now();
    scorer = startScorer();
    await scorer.waitForOutput(/scorer listening/);
    await waitFor(() => all().filter((d) => d.decidedAt > restartedAt && d.mode === "rule").length >= 5, { timeoutMs: 15_000, what: "scored decisions again" });
    await waitFor(async () => /"state":"closed"/.test((await env.redis.get(env.keys.breaker)) ?? ""), { what: "breaker closed" });
  }, 90_000);
});
