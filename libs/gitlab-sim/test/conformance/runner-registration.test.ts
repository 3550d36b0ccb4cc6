// Simulates GitLab 18.x's runner registration endpoints (lib/api/ci/runner.rb, resource :runners), as
// gitlab-runner 18.x calls them (network/gitlab.go VerifyRunner, UnregisterRunner, UnregisterRunnerManager,
// ResetToken; commands/register.go verifyRunner for `register --token glrt-…`):
// - POST /runners/verify: authenticate_runner! (which runs Ci::Runner#ensure_manager for the system_id sent),
//   200 with Entities::Ci::RunnerRegistrationDetails {id, token, token_expires_at}; 403 for an unknown token.
// - DELETE /runners: authenticate_runner!(ensure_runner_manager: false), UnregisterRunnerService: 204 / 403.
// - DELETE /runners/managers: requires system_id (400), 403, 404 "Runner manager not found", 204.
// - POST /runners/reset_authentication_token: 201 Entities::Ci::ResetTokenResult {token, token_expires_at};
//   the old token is refused from then on.
// - GET /runners/:id/managers (lib/api/ci/runners.rb): one Entities::Ci::RunnerManager per system_id.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../../src/index.js";
import { ADMIN, RUNNERS, call, requestJob, startSim } from "../support.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim({ longPollMs: 0 }); });
afterEach(async () => { await sim.close(); });

const token = RUNNERS.linux.token;
const api = (path: string) => `${sim.url}/api/v4${path}`;
const admin = { "PRIVATE-TOKEN": ADMIN };

describe("conformance: runner registration endpoints (lib/api/ci/runner.rb)", () => {
  it("verify answers RunnerRegistrationDetails and records the manager its system_id names", async () => {
    const ok = await call(api("/runners/verify"), "POST", { token, system_id: "s_aaaaaaaaaaaa", info: { name: "gitlab-runner", version: "18.5.0" } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ id: RUNNERS.linux.id, token, token_expires_at: null });
    expect((await call(api("/runners/verify"), "POST", { token: "glrt-nobody-000000" })).status).toBe(403);

    await requestJob(sim, token, { system_id: "s_bbbbbbbbbbbb", info: { name: "gitlab-runner", version: "18.5.0", features: {} } });
    const managers = await call(api(`/runners/${RUNNERS.linux.id}/managers`), "GET", undefined, admin);
    expect(managers.status).toBe(200);
    expect(managers.json.map((m: { system_id: string }) => m.system_id).sort()).toEqual(["s_aaaaaaaaaaaa", "s_bbbbbbbbbbbb"]);
    expect(managers.json[0]).toMatchObject({ version: "18.5.0" });
  });

  it("DELETE /runners/managers wants a system_id, knows the token and the manager, then deletes it", async () => {
    await call(api("/runners/verify"), "POST", { token, system_id: "s_aaaaaaaaaaaa" });
    expect(await call(api("/runners/managers"), "DELETE", { token })).toMatchObject({ status: 400, json: { error: "system_id is missing" } });
    expect((await call(api("/runners/managers"), "DELETE", { token: "glrt-nobody-000000", system_id: "s_aaaaaaaaaaaa" })).status).toBe(403);
    expect(await call(api("/runners/managers"), "DELETE", { token, system_id: "s_cccccccccccc" })).toMatchObject({ status: 404, json: { message: "404 Runner manager not found" } });
    expect((await call(api("/runners/managers"), "DELETE", { token, system_id: "s_aaaaaaaaaaaa" })).status).toBe(204);
    expect((await call(api(`/runners/${RUNNERS.linux.id}/managers`), "GET", undefined, admin)).json).toEqual([]);
  });

  it("reset_authentication_token answers 201 with a new token, and the old one is refused", async () => {
    const reset = await call(api("/runners/reset_authentication_token"), "POST", { token });
    expect(reset.status).toBe(201);
    expect(reset.json).toEqual({ token: expect.stringMatching(/^glrt-/), token_expires_at: null });
    expect(reset.json.token).not.toBe(token);
    expect((await requestJob(sim, token)).status).toBe(403);
    expect((await requestJob(sim, reset.json.token)).status).toBe(204);
    expect((await call(api("/runners/reset_authentication_token"), "POST", { token })).status).toBe(403);
  });

  it("DELETE /runners answers 204 and the runner is gone; an unknown token gets 403", async () => {
    expect((await call(api("/runners"), "DELETE", { token: "glrt-nobody-000000" })).status).toBe(403);
    expect((await call(api("/runners"), "DELETE", { token })).status).toBe(204);
    expect((await call(api("/runners/verify"), "POST", { token })).status).toBe(403);
    expect((await call(api(`/runners/${RUNNERS.linux.id}`), "GET", undefined, admin)).status).toBe(404);
  });
});
