import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { request } from "undici";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import type { JobOutcome } from "@switchyard/contracts";
import { runnerClient } from "./runner-client.js";
import { ADMIN_TOKEN, runnerToken, startSim, startTestAssigner, type RunningAssigner } from "./harness.js";

let env: TestEnv;
let sim: SimulatedGitLab;
let sy: RunningAssigner | undefined;
let recorder: { url: string; paths: string[]; server: Server } | undefined;

beforeEach(async () => {
  env = await createTestEnv("brokertrust");
  sim = await startSim({ finalUpdateAcceptedTimes: 0 });
});
afterEach(async () => {
  await sy?.stop();
  sy = undefined;
  if (recorder) await new Promise((r) => { recorder?.server.close(r); recorder?.server.closeAllConnections(); });
  recorder = undefined;
  await sim.close();
  await env.close();
});

/** A pass-through in front of the simulated GitLab that records every path GitLab is asked for. */
async function recordingGitLab(target: string) {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? "");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      void request(`${target}${req.url ?? "/"}`, { method: req.method as "GET", headers, body: chunks.length ? Buffer.concat(chunks) : undefined, headersTimeout: 120_000 })
        .then(async (up) => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && k !== "transfer-encoding" && k !== "connection") out[k] = v;
          res.writeHead(up.statusCode, out).end(Buffer.from(await up.body.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

/** Sends `path` byte for byte, as `curl --path-as-is` does; fetch and undici would resolve the dots first. */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: "GET", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { body += c; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Holds a poll open the way gitlab-runner does after its first 204. */
async function pollUntilJob(runner: ReturnType<typeof runnerClient>) {
  const first = await runner.requestJob();
  for (let version = first.lastUpdate; ;) {
    const res = await runner.requestJob(version);
    if (res.status === 201) return res;
    version = res.lastUpdate;
  }
}

/** An assigner whose runner took a job and said it runs it (outcomes collected from the start). */
async function runningJob() {
  sy = await startTestAssigner(env, sim.url, 1);
  const outcomes = env.collect(env.subjects.jobOutcomeAll);
  const runner = runnerClient(sy.brokerUrl, runnerToken(1));
  const polled = pollUntilJob(runner);
  const jobId = sim.enqueueJob({ name: "unit", stage: "test", tags: ["linux"] });
  const token = (await polled).job?.token as string;
  expect((await runner.updateJob(jobId, token, "running")).status).toBe(200);
  return { outcomes, runner, jobId, token };
}

describe("the broker's HTTP boundary", () => {
  it("refuses job paths that climb out of /api/v4/jobs/:id without asking GitLab", async () => {
    recorder = await recordingGitLab(sim.url);
    sy = await startTestAssigner(env, recorder.url, 1);
    // GitLab's Workhorse resolves dot segments before routing (workhorse internal/urlprefix CleanURIPath,
    // path.Clean), and Rails routes the resolved path: a raw ../.. reaches any API endpoint.
    const direct = await rawGet(sim.url, "/api/v4/jobs/1/../../runners/all", { "private-token": ADMIN_TOKEN });
    expect(direct.status).toBe(200); // the sim resolves them too: the attack is real without the check
    const attacks = [
      "/api/v4/jobs/1/../../runners/all",
      "/api/v4/jobs/1/./../../runners/all?scope=online",
      "/api/v4/jobs/1/%2e%2e/%2E%2e/runners/all",
      "/api/v4/jobs/1/.%2e/.%2E/runners/all",
      "/api/v4/jobs/1/..%2f..%2frunners/all",
      "/api/v4/jobs/1/..\\..\\runners/all",
      "/api/v4/jobs/1/%5c..%5c..%5crunners/all",
    ];
    for (const path of attacks) {
      const res = await rawGet(sy.brokerUrl, path, { "private-token": ADMIN_TOKEN, "job-token": "x" });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body).not.toContain("switchyard pool linux");
    }
    // A job path that stays inside the job still reaches GitLab (proof the recorder sees proxied calls).
    const inside = await rawGet(sy.brokerUrl, "/api/v4/jobs/1/artifacts", { "job-token": "x" });
    expect(inside.status).not.toBe(400);
    expect(recorder.paths).toContain("/api/v4/jobs/1/artifacts");
    expect(recorder.paths.filter((p) => p.includes("runners/all") || p.includes("..") || /%2e|%5c|\\/i.test(p))).toEqual([]);
  });

  it("reports a job update to the lifecycle only when GitLab accepted it, not a forged PUT GitLab refused", async () => {
    const { outcomes, runner, jobId, token } = await runningJob();
    // Anyone reaching the broker can PUT a job with a wrong token. GitLab refuses it with a bare 403
    // (lib/api/ci/helpers/runner.rb authenticate_job!: forbidden! unless job_token_valid?), no Job-Status:
    // that says nothing about the job and must not end it in Switchyard.
    const forged = await runner.updateJob(jobId, "glcbt-forged", "failed", { failure_reason: "script_failure" });
    expect(forged.status).toBe(403);
    expect(forged.jobStatus).toBeUndefined();
    // The real runner finishes; GitLab accepts (lib/api/ci/runner.rb PUT /jobs/:id sets Job-Status, 200).
    expect((await runner.updateJob(jobId, token, "success", { exit_code: 0 })).status).toBe(200);
    await outcomes.waitForCount(2);
    const got = outcomes.json<JobOutcome>();
    expect(got.map((o) => [o.phase, o.status])).toEqual([["started", "running"], ["finished", "success"]]);
    // A 403 with Job-Status is GitLab's word on the job (job_forbidden!): that one is still reported.
    const late = await runner.updateJob(jobId, token, "running");
    expect(late).toMatchObject({ status: 403, jobStatus: "success" });
  });

  it("ends a job whose trace PATCH GitLab refuses with Job-Status (job_forbidden!), not one a forged token was refused for", async () => {
    const { outcomes, runner, jobId, token } = await runningJob();
    await outcomes.waitForCount(1);
    expect(await runner.patchTrace(jobId, "glcbt-forged", 0, "x")).toMatchObject({ status: 403, jobStatus: undefined });
    // Switchyard advertises cancel_gracefully: the cancel makes it canceling, the forced one canceled.
    sim.state.cancel(jobId);
    sim.state.cancel(jobId, true);
    expect(await runner.patchTrace(jobId, token, 0, "log")).toMatchObject({ status: 403, jobStatus: "canceled" });
    await outcomes.waitForCount(2);
    expect(outcomes.json<JobOutcome>().map((o) => [o.phase, o.status])).toEqual([["started", "running"], ["finished", "canceled"]]);
  });
});
