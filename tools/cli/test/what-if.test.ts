import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPolicyBench, standardPolicies, type TraceJob } from "@switchyard/bench";
import { compileClassRules, defaultClassRules } from "@switchyard/decision";
import { createSimulatedGitLab, type HistoryJobInput, type SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createLogger } from "@switchyard/runtime";
import { syntheticHistory } from "../src/what-if/demo-history.js";

const ADMIN = "glpat-what-if-admin-0123456789";
const MAIN = resolve(import.meta.dirname, "../dist/main.js");
const history = syntheticHistory(7, 1);
let sim: SimulatedGitLab;
let dir: string;

beforeAll(async () => {
  sim = await createSimulatedGitLab({ adminToken: ADMIN, log: createLogger({ name: "sim", level: "silent" }), runners: history.runners });
  for (const job of history.jobs) sim.recordFinishedJob(job);
  // Still pending: not finished, so never read (scope success, failed, canceled).
  sim.enqueueJob({ name: "waiting", projectId: 13, projectPath: "acme/tools", tags: ["linux"] });
  dir = mkdtempSync(join(tmpdir(), "what-if-"));
});
afterAll(async () => { await sim.close(); rmSync(dir, { recursive: true, force: true }); });

function whatIf(args: string[], env: Record<string, string> = { SWITCHYARD_GITLAB_TOKEN: ADMIN }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [MAIN, "what-if", ...args], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The same jobs as trace jobs straight from what was recorded, without the REST API or the converter. */
function directTrace(jobs: readonly HistoryJobInput[], ids: readonly number[]): TraceJob[] {
  const ms = (t: HistoryJobInput["createdAt"] | undefined) => (typeof t === "number" ? t : Date.parse(t!));
  return jobs.map((j, i): TraceJob => ({
    jobId: ids[i]!, createdAt: ms(j.queuedAt) / 1000, project: j.projectPath!, pipelineId: j.pipelineId!,
    refClass: j.ref === "main" ? "default" : "merge_request", pipelineSource: j.pipelineSource!, stage: j.stage!, name: j.name,
    pool: j.tags![0]!, environment: j.environment?.name ?? null, environmentTier: j.environment?.tier ?? null,
    durationS: (ms(j.finishedAt) - ms(j.startedAt)) / 1000, status: "success", injected: false, afterPipeline: false,
  })).sort((a, b) => a.createdAt - b.createdAt || a.jobId - b.jobId);
}

describe("switchyard what-if against the simulated GitLab", () => {
  it("reads a group's job history through rate limiting, replays it on the runners GitLab reports, and writes a self-contained report whose figures match a direct replay", async () => {
    const out = join(dir, "report.html");
    sim.knobs.rateLimitPerSecond = 8;
    const run = await whatIf(["--url", sim.url, "--group", "acme", "--out", out, "--json", "--since", "2026-03-01"]);
    sim.knobs.rateLimitPerSecond = 0;
    expect(run.stderr).toMatch(/reading the job history of 3 projects/);
    expect(run.stderr).toMatch(/GitLab rate limit: waiting 1 s \(Retry-After\)/);
    expect(run.code).toBe(0);
    const figures = JSON.parse(run.stdout) as { report: string; jobs: number; policies: { policy: string; overall: object; byClass: Record<string, object> }[]; recorded: { overall: { mean: number } } };
    const html = readFileSync(out, "utf8");
    // The token never leaves the process: not in the report, not on stdout or stderr.
    for (const text of [html, run.stdout, run.stderr]) expect(text).not.toContain(ADMIN);
    // Self-contained: inline SVG and CSS, no script that runs, nothing fetched.
    expect(html).toMatch(/<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(html).not.toMatch(/<link\b|\bsrc=|<script(?![^>]*type="application\/json")|url\(|@import/);
    const { report, ...printed } = figures;
    expect(report).toBe(out);
    expect(JSON.parse(/<script type="application\/json" id="what-if-data">(.*?)<\/script>/s.exec(html)![1]!)).toEqual(printed);
    expect(html).not.toContain("status pending");
    for (const heading of ["p95 / mean wait per class", "Wait CDF per class", "Classes found", "Fleet replayed", "Caveats: what the replay assumes"]) expect(html).toContain(heading);

    // A direct replay of the same jobs on the same fleet (8 linux + 2 macos runners, one slot each).
    const trace = directTrace(history.jobs, sim.state.jobs().map((j) => j.id));
    const [direct] = runPolicyBench({
      trace, fleet: { runnersPerPool: history.runnersPerPool, shapes: [{ name: "gitlab", limit: 1, speed: 1, cpus: 4 }] },
      rules: compileClassRules(defaultClassRules), policies: standardPolicies().filter((p) => ["fifo", "fair", "priority", "switchyard"].includes(p.name)),
      loads: [{ name: "direct", compression: 1 }], sliSeconds: 300, targetFifoP95S: 600, topClass: "production-deploy", progress: () => undefined,
    });
    expect(figures.jobs).toBe(history.jobs.length);
    expect(figures.policies.map((p) => p.policy)).toEqual(["fifo", "fair", "priority", "switchyard"]);
    for (const run of direct!.runs) {
      const reported = figures.policies.find((p) => p.policy === run.summary.policy)!;
      expect(reported.overall).toEqual(run.summary.overall);
      expect(reported.byClass).toEqual(run.summary.byClass);
    }
    expect(Object.keys(figures.policies[0]!.byClass)).toContain("production-deploy");
    // GitLab's recorded waits were FIFO's on this fleet: the FIFO replay reproduces them.
    expect(figures.recorded.overall.mean).toBeCloseTo(direct!.runs[0]!.summary.overall.mean, 0);
  }, 60_000);

  it("reads back only to --since and replays on the fleet --runners describes", async () => {
    const created = history.jobs.map((j) => (typeof j.createdAt === "number" ? j.createdAt : Date.parse(j.createdAt))).sort((a, b) => a - b);
    const since = created[Math.floor(created.length / 2)]!;
    const run = await whatIf(["--url", sim.url, "--project", "acme/shop/web", "--project", "12", "--project", "acme/tools", "--since", new Date(since).toISOString(),
      "--runners", "linux=3,macos=1", "--slots-per-runner", "2", "--out", join(dir, "since.html"), "--json"]);
    expect(run.code).toBe(0);
    const figures = JSON.parse(run.stdout) as { jobs: number };
    expect(figures.jobs).toBe(created.filter((t) => t >= since).length);
    expect(readFileSync(join(dir, "since.html"), "utf8")).toMatch(/<tr><td>linux<\/td><td>no<\/td><td>3<\/td><td>6<\/td><\/tr>/);
  });

  it("exits 4 with GitLab's answer for a bad token or an unknown project, without printing the token", async () => {
    const bad = await whatIf(["--url", sim.url, "--project", "acme/tools"], { SWITCHYARD_GITLAB_TOKEN: "glpat-not-the-right-one" });
    expect(bad).toMatchObject({ code: 4, stderr: expect.stringMatching(/^switchyard: what-if: show project acme\/tools: GET .*HTTP 401.*\(is the token valid\?\)\n$/) });
    expect(bad.stderr).not.toContain("glpat-not-the-right-one");
    const missing = await whatIf(["--url", sim.url, "--project", "acme/none", "--runners", "linux=2"]);
    expect(missing).toMatchObject({ code: 4, stderr: expect.stringMatching(/HTTP 404 404 Project Not Found \(no such project or group/) });
  });
});
