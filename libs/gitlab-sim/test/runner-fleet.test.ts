import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createRunnerFleet, type RunnerFleet, type SimulatedGitLab } from "../src/index.js";
import { ADMIN, call, silent, startSim } from "./support.js";

let sim: SimulatedGitLab;
let fleet: RunnerFleet | undefined;
let recorder: Server | undefined;
afterEach(async () => {
  await fleet?.close(); fleet = undefined;
  if (recorder) { recorder.closeAllConnections(); await new Promise((r) => recorder!.close(r)); recorder = undefined; }
  await sim.close();
});

const TOKENS = ["syr_runner_one_aaaaaaaa", "syr_runner_two_bbbbbbbb", "syr_runner_three_cccccc"];

/**
 * A pass-through HTTP proxy to the sim that records every runner call as "METHOD path" (query dropped,
 * job ids as :id), so a test sees exactly what a runner sent.
 */
async function recordingProxy(target: string, calls: string[]): Promise<string> {
  recorder = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      calls.push(`${req.method} ${path.replace(/\/jobs\/\d+/, "/jobs/:id")}`);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host" && k !== "content-length")) as Record<string, string>;
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${req.url}`, { method: req.method, headers, body })
        .then(async (up) => {
          const bytes = Buffer.from(await up.arrayBuffer());
          const out: Record<string, string> = {};
          up.headers.forEach((v, k) => { if (k !== "content-length" && k !== "transfer-encoding" && k !== "content-encoding") out[k] = v; });
          res.writeHead(up.status, out).end(bytes);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => recorder!.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
}

async function startFleet(options: { finalUpdateAcceptedTimes?: number; limit?: number; work?: "full" | "light"; calls?: string[] } = {}) {
  sim = await startSim({
    runners: TOKENS.map((token, i) => ({ id: 10 + i, token, description: `r-00${i + 1}`, tags: ["linux"], runnerType: "project_type" as const })),
    finalUpdateAcceptedTimes: options.finalUpdateAcceptedTimes ?? 0, traceUpdateIntervalSeconds: 1,
  });
  const url = options.calls ? await recordingProxy(sim.url, options.calls) : sim.url;
  fleet = await createRunnerFleet({
    url, speed: 20, log: silent, work: options.work, checkIntervalMs: 20, maxRetryWaitMs: 20,
    runners: TOKENS.map((token, i) => ({ id: `r-00${i + 1}`, token, limit: options.limit ?? 2, diskUsedRatio: 0.3 })),
  });
  return fleet;
}

/** Resolves once `ids` have all reached a final state. */
function allFinished(ids: number[]): Promise<void> {
  const open = new Set(ids.filter((id) => !["success", "failed", "canceled"].includes(sim.job(id)!.status)));
  return new Promise((resolve) => {
    if (open.size === 0) return resolve();
    sim.state.events.on("job", (c) => {
      if (["success", "failed", "canceled"].includes(c.to)) open.delete(c.id);
      if (open.size === 0) resolve();
    });
  });
}

describe("simulated runner fleet against the simulated GitLab", () => {
  it("runs 30 jobs on 3 runners, each job received exactly once and finished as its outcome says", async () => {
    const f = await startFleet();
    const ids = Array.from({ length: 30 }, (_, i) => sim.enqueueJob({ name: `job-${i}`, tags: ["linux"], durationSeconds: 1 + (i % 3), outcome: i % 10 === 0 ? "failed" : "success" }));
    await allFinished(ids);
    const received = f.receivedJobIds().sort((a, b) => a - b);
    expect(received).toEqual(ids);
    for (const [i, id] of ids.entries()) {
      const job = sim.job(id)!;
      expect(job.status).toBe(i % 10 === 0 ? "failed" : "success");
      expect(job.traceSize).toBeGreaterThan(0);
    }
    expect(sim.job(ids[0]!)).toMatchObject({ failureReason: "script_failure", exitCode: 1 });
    expect(f.stats().every((s) => s.verified && s.jobsReceived > 0)).toBe(true);
  });

  it("never runs more jobs at once on a runner than its limit", async () => {
    const f = await startFleet({ limit: 1 });
    let maxSeen = 0;
    sim.state.events.on("job", () => {
      const perRunner = new Map<number, number>();
      for (const j of sim.state.jobs()) if (j.status === "running" && j.runnerId !== null) perRunner.set(j.runnerId, (perRunner.get(j.runnerId) ?? 0) + 1);
      maxSeen = Math.max(maxSeen, ...perRunner.values(), 0);
    });
    const ids = Array.from({ length: 9 }, (_, i) => sim.enqueueJob({ name: `j${i}`, tags: ["linux"], durationSeconds: 1 }));
    await allFinished(ids);
    expect(maxSeen).toBe(1);
    expect(f.receivedJobIds()).toHaveLength(9);
  });

  it("retries the final update after 202 until GitLab accepts it", async () => {
    await startFleet({ finalUpdateAcceptedTimes: 2 });
    const id = sim.enqueueJob({ name: "slow-persist", tags: ["linux"], durationSeconds: 1 });
    await allFinished([id]);
    expect(sim.job(id)?.status).toBe("success");
    expect(sim.state.jobRecord(id)?.finalUpdateAttempts).toBe(3);
  });

  it("rewinds its trace offset to the server's Range end after a 416", async () => {
    await startFleet({ limit: 1 });
    const id = sim.enqueueJob({ name: "rewind", tags: ["linux"], durationSeconds: 1 });
    // GitLab already holds 2 bytes the runner does not know about: its first PATCH (0-...) gets 416 Range 0-2.
    sim.state.events.on("job", (c) => { if (c.id === id && c.to === "running") sim.state.jobRecord(id)!.trace = Buffer.from("XX"); });
    await allFinished([id]);
    expect(sim.job(id)?.status).toBe("success");
    expect(sim.state.jobRecord(id)!.trace.toString()).toMatch(/^XXnning with gitlab-runner/);
  });

  it("light work: a job is finished with exactly two job updates (running, then success) and no trace call", async () => {
    const calls: string[] = [];
    await startFleet({ limit: 1, work: "light", calls });
    const id = sim.enqueueJob({ name: "light", tags: ["linux"], durationSeconds: 600, outcome: "failed" });
    await allFinished([id]);
    // The outcome variable is still honoured; the ten simulated minutes are not waited for.
    expect(sim.job(id)).toMatchObject({ status: "failed", failureReason: "script_failure", exitCode: 1, traceSize: 0 });
    const jobCalls = calls.filter((c) => c.includes("/jobs/:id"));
    expect(jobCalls).toEqual(["PUT /api/v4/jobs/:id", "PUT /api/v4/jobs/:id"]);
    expect(sim.state.jobRecord(id)!.finalUpdateAttempts).toBe(1);
  });

  it("light work still retries the final update after 202 until GitLab accepts it", async () => {
    const calls: string[] = [];
    await startFleet({ limit: 1, work: "light", calls, finalUpdateAcceptedTimes: 2 });
    const id = sim.enqueueJob({ name: "light-slow-persist", tags: ["linux"], durationSeconds: 1 });
    await allFinished([id]);
    expect(sim.job(id)?.status).toBe("success");
    expect(sim.state.jobRecord(id)!.finalUpdateAttempts).toBe(3);
    expect(calls.filter((c) => c.includes("/jobs/:id"))).toEqual(Array(4).fill("PUT /api/v4/jobs/:id"));
  });

  it("aborts a job canceled in GitLab and frees the slot", async () => {
    const f = await startFleet({ limit: 1 });
    const id = sim.enqueueJob({ name: "long", tags: ["linux"], durationSeconds: 60 });
    await new Promise<void>((resolve) => sim.state.events.on("job", (c) => { if (c.id === id && c.to === "running") resolve(); }));
    await call(`${sim.url}/api/v4/projects/1/jobs/${id}/cancel`, "POST", undefined, { "PRIVATE-TOKEN": ADMIN });
    const next = sim.enqueueJob({ name: "after", tags: ["linux"], durationSeconds: 1 });
    await allFinished([next]);
    await expect.poll(() => f.stats().reduce((n, s) => n + s.aborted, 0), { timeout: 10_000 }).toBe(1);
    expect(sim.job(id)?.status).toBe("canceled");
  });

  it("serves gitlab-runner and node_exporter metrics per runner, with a disk ratio settable at runtime", async () => {
    const f = await startFleet();
    const text = async () => (await fetch(f.metricsUrlOf("r-002"))).text();
    const before = await text();
    expect(before).toMatch(/^gitlab_runner_limit\{runner="r-002",.*\} 2$/m);
    expect(before).toMatch(/^gitlab_runner_concurrent 2$/m);
    expect(before).toMatch(/^gitlab_runner_jobs\{.*state="running".*\} \d+$/m);
    expect(before).toMatch(/^gitlab_runner_job_duration_seconds_bucket\{.*le="\+Inf"\} \d+$/m);
    expect(before).toMatch(/^gitlab_runner_errors_total\{level="error"\} \d+$/m);
    expect(before).not.toContain("syr_");
    const size = Number(/^node_filesystem_size_bytes\{.*mountpoint="\/".*\} (\d+)$/m.exec(before)![1]);
    const avail = () => text().then((t) => Number(/^node_filesystem_avail_bytes\{.*mountpoint="\/".*\} (\d+)$/m.exec(t)![1]));
    expect(await avail()).toBe(Math.round(size * 0.7));
    f.setDiskUsedRatio("r-002", 0.9);
    expect(await avail()).toBe(Math.round(size * 0.1));
    expect((await fetch(`${f.metricsUrl}/runners/nope/metrics`)).status).toBe(404);
  });
});
