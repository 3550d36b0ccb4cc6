import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createRunnerRegistry, newRunnerToken, runnerNumericId } from "@switchyard/runtime";
import { runnerClient } from "./runner-client.js";
import { runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

// Registration as gitlab-runner 18.x does it against GitLab 18.x:
// - commands/register.go askRunner: a token starting `glrt-` (network.TokenIsCreatedRunnerToken) takes the
//   authentication-token path, verifyRunner → POST /runners/verify, and panics on a nil answer or `id` 0.
// - network/gitlab.go UnregisterRunner (DELETE /runners, wants 204), UnregisterRunnerManager
//   (DELETE /runners/managers), ResetToken (POST /runners/reset_authentication_token, wants 201).
// - GitLab's answers: lib/api/ci/runner.rb (verify → Entities::Ci::RunnerRegistrationDetails; reset →
//   Entities::Ci::ResetTokenResult; 403 on an unknown token from authenticate_runner!).

let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner | undefined;

beforeEach(async () => {
  env = await createTestEnv("registration");
  sim = await startSim();
});
afterEach(async () => {
  await sy?.stop();
  sy = undefined;
  await sim.close();
  await env.close();
});

/** A runner as the CLI's add-runner stores it: token hash in Redis, id picked at random. */
async function addRunner(id: string): Promise<string> {
  const token = newRunnerToken();
  await createRunnerRegistry(env.redis, env.keys, []).add(token, { id, pool: "linux" });
  return token;
}

describe("gitlab-runner register --token works against the broker as against GitLab", () => {
  it("issues glrt- tokens, so gitlab-runner takes the authentication-token path", () => {
    expect(newRunnerToken()).toMatch(/^glrt-[A-Za-z0-9_-]{32}$/);
  });

  it("verify answers a stable, non-zero id with the runner's own token, the same on every replica", async () => {
    sy = await startTestAssigner(env, sim.url, 0);
    const token = await addRunner("r-abcdef");
    const runner = runnerClient(sy.brokerUrl, token);
    const first = await runner.verify();
    expect(first.status).toBe(200);
    const body = JSON.parse(first.body) as { id: number; token: string; token_expires_at: null };
    expect(body).toEqual({ id: runnerNumericId("r-abcdef"), token, token_expires_at: null });
    expect(body.id).toBeGreaterThan(0);
    expect(JSON.parse((await runner.verify()).body).id).toBe(body.id);
    expect(runnerNumericId("r-abcdeg")).not.toBe(body.id);
  });

  it("resets a stored runner's token: 201 with the new one, and the old one is refused", async () => {
    sy = await startTestAssigner(env, sim.url, 0);
    const old = await addRunner("r-reset");
    const reset = await runnerClient(sy.brokerUrl, old).raw("/api/v4/runners/reset_authentication_token", {
      method: "POST", headers: { "content-type": "application/json", "runner-token": old }, body: JSON.stringify({ token: old }),
    });
    expect(reset.status).toBe(201);
    const fresh = JSON.parse(reset.body) as { token: string; token_expires_at: null };
    expect(fresh).toEqual({ token: expect.stringMatching(/^glrt-/), token_expires_at: null });
    expect((await runnerClient(sy.brokerUrl, old).requestJob()).status).toBe(403);
    expect((await runnerClient(sy.brokerUrl, fresh.token).requestJob()).status).toBe(204);
  });

  it("unregisters a stored runner (204, then 403) and refuses to pretend for one in the config", async () => {
    sy = await startTestAssigner(env, sim.url, 1);
    const token = await addRunner("r-gone");
    const del = (t: string, body: Record<string, unknown> = { token: t }) => runnerClient(sy!.brokerUrl, t).raw("/api/v4/runners", {
      method: "DELETE", headers: { "content-type": "application/json", "runner-token": t }, body: JSON.stringify(body),
    });
    expect((await del(token)).status).toBe(204);
    expect((await runnerClient(sy.brokerUrl, token).verify()).status).toBe(403);
    expect((await del("glrt-unknown-token-000000")).status).toBe(403);

    const configured = await del(runnerToken(1));
    expect(configured.status).toBe(403);
    expect(JSON.parse(configured.body).message).toMatch(/configuration/);
    expect((await runnerClient(sy.brokerUrl, runnerToken(1)).verify()).status).toBe(200);

    const manager = (body: Record<string, unknown>) => runnerClient(sy!.brokerUrl, runnerToken(1)).raw("/api/v4/runners/managers", {
      method: "DELETE", headers: { "content-type": "application/json", "runner-token": runnerToken(1) }, body: JSON.stringify(body),
    });
    expect(await manager({ token: runnerToken(1) })).toEqual({ status: 400, body: JSON.stringify({ error: "system_id is missing" }) });
    expect((await manager({ token: runnerToken(1), system_id: "s_0123456789ab" })).status).toBe(204);
  });
});

describe("upstream, Switchyard shows itself honestly", () => {
  const managersOfPool = () => [...sim.state.runner(1)!.managers.values()];
  const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

  it("polls GitLab as name switchyard, its own version, and one system_id per replica that survives a restart", async () => {
    sy = await startTestAssigner(env, sim.url, 0, { SWITCHYARD_REPLICA_NAME: "assigner-0" });
    await waitFor(() => managersOfPool().length === 1, { what: "the pool runner's first manager" });
    const [first] = managersOfPool();
    // Ci::RunnerManager#heartbeat keeps version, platform and architecture; the name is the runner's.
    expect(first).toMatchObject({ version, platform: process.platform, systemId: expect.stringMatching(/^s_[0-9a-f]{12}$/) });
    expect(sim.state.runner(1)!.name).toBe("switchyard");
    await sy.stop();

    sy = await startTestAssigner(env, sim.url, 0, { SWITCHYARD_REPLICA_NAME: "assigner-0" });
    const before = first!.contactedAt;
    await waitFor(() => managersOfPool()[0]!.contactedAt > before, { what: "the restarted replica polling" });
    expect(managersOfPool().map((m) => m.systemId)).toEqual([first!.systemId]);

    const second = await startTestAssigner(env, sim.url, 0, { SWITCHYARD_REPLICA_NAME: "assigner-1" });
    try {
      await waitFor(() => managersOfPool().length === 2, { what: "a second replica, a second manager" });
    } finally {
      await second.stop();
    }
  });
});
