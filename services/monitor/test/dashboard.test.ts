import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApprovalAnswer, ApprovalResult } from "@switchyard/contracts";
import { createBus, createMetrics, startAgentHttpServer, type AgentHttpServer } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createDashboard } from "../src/dashboard/dashboard.js";
import { estimateQuantile } from "../src/dashboard/sli-estimate.js";
import { captureLogger } from "./harness.js";
import { approvalRequest, decision, jobMeta, putDecisions, putQueue, putRunners, putSli, runnerState } from "./dashboard-fixtures.js";

const TOKEN = "dash-token-0123456789-secret";

describe("dashboard over HTTP", () => {
  let env: TestEnv;
  let server: AgentHttpServer | undefined;
  let logs: ReturnType<typeof captureLogger>;

  async function start(token: string | undefined): Promise<string> {
    logs = captureLogger();
    const metrics = createMetrics("monitor");
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "monitor", log: logs.log, metrics });
    server = await startAgentHttpServer({
      host: "127.0.0.1", port: 0, registry: metrics.registry, isReady: () => true,
      routes: [createDashboard({ redis: env.redis, keys: env.keys, bus, log: logs.log, token, diskThreshold: 0.6, refreshMs: 2000 })],
    });
    return server.url;
  }
  const page = async (url: string, init?: RequestInit) => (await fetch(url, init)).text();

  beforeEach(async () => { env = await createTestEnv("dashhttp"); });
  afterEach(async () => { await server?.close(); server = undefined; await env.close(); });

  it("shows runners, the queue by class with its oldest wait, decisions, the SLI and the breaker from Redis", async () => {
    const now = Date.now();
    await putRunners(env, [
      runnerState("r-001", { running: 2, limit: 4, runningJobIds: [11], diskUsedRatio: 0.42 }),
      runnerState("r-002", { draining: true, diskUsedRatio: 0.71 }),
      runnerState("g-001", { pool: "gpu", paused: true }),
    ]);
    await env.redis.hset(env.keys.jobMeta, "11", JSON.stringify(jobMeta(11, { name: "build-image", jobClass: "default-branch" })));
    await putQueue(env, [
      jobMeta(21, { jobClass: "production-deploy", name: "deploy-prod", arrivedAt: now - 95_000 }),
      jobMeta(22, { jobClass: "merge-request", arrivedAt: now - 20_000 }),
      jobMeta(23, { jobClass: "merge-request", arrivedAt: now - 300_000 }),
    ]);
    await putDecisions(env, [decision(31, { mode: "llm", margin: 0.08, rationale: "LLM chose r-002 for cache affinity" })]);
    await putSli(env, "linux", "merge-request", { 1: 50, 3: 30, 10: 15, 30: 5 }, 5);
    await env.redis.set(env.keys.breaker, JSON.stringify({ state: "open", at: now - 10_000, reason: "scorer timed out 3 times" }));
    const html = await page(`${await start(undefined)}/dashboard`);

    expect(html).toContain('data-runner="r-001" data-state="healthy"');
    expect(html).toContain('data-runner="r-002" data-state="draining"');
    expect(html).toContain('data-runner="g-001" data-state="paused"');
    expect(html).toMatch(/jobs <b>2<\/b> \/ 4/);
    expect(html).toContain("build-image");
    expect(html).toMatch(/data-class="merge-request"><td><span class="cls">merge-request<\/span><\/td><td class="num">2<\/td>\s*<td class="num">5m 0\ds<\/td>/);
    expect(html).toMatch(/data-class="production-deploy">.*?<td class="num">1<\/td>\s*<td class="num">1m 3\ds<\/td>/s);
    expect(html).toContain('data-pool="gpu"');
    expect(html).toContain("LLM chose r-002 for cache affinity");
    expect(html).toContain('class="badge mode-llm"');
    expect(html).toMatch(/<td class="num">8%<\/td>/);
    expect(html).toMatch(/data-sli="linux\/merge-request">[\s\S]*?<td class="num">100<\/td>/);
    expect(html).toContain('data-testid="breaker-state">open<');
    expect(html).toContain("scorer timed out 3 times");
    expect(html).toContain('hx-trigger="every 2s"');
  });

  it("shows what a runner runs from Switchyard's hand-offs when GitLab only sees the pool", async () => {
    await putRunners(env, [runnerState("r-005", { running: 1, limit: 2, runningJobIds: [] })]);
    await env.redis.hset(env.keys.jobMeta, "77", JSON.stringify(jobMeta(77, { name: "integration-tests" })));
    await env.redis.hset(env.keys.handoffs, "77", `r-005|${Date.now()}|1`);
    const html = await page(`${await start(undefined)}/dashboard/panels`);
    expect(html).toContain("integration-tests");
    expect(html).not.toMatch(/data-runner="r-005"[\s\S]*?<p class="idle">idle<\/p>[\s\S]*?data-runner=/);
  });

  it("shows per class the queue time under Switchyard beside the shadow FIFO's, with a p95 chart, and says when nothing is replayed yet", async () => {
    const url = await start(undefined);
    expect(await page(`${url}/dashboard/panels`)).toMatch(/id="shadow-fifo-panel">[\s\S]*?No jobs replayed yet\./);
    await env.redis.set(env.keys.shadowFifo, JSON.stringify({
      v: 1, windowSeconds: 600, settleSeconds: 45, at: Date.now() - 2_000, pools: [{ pool: "linux", slots: 12, waiting: 3 }],
      classes: [
        { jobClass: "merge-request", jobs: 80, live: { p50: 0.3, p95: 16 }, fifo: { p50: 0.3, p95: 6.6 }, late: 0 },
        { jobClass: "production-deploy", jobs: 4, live: { p50: 0, p95: 0.1 }, fifo: { p50: 2, p95: 33 }, late: 0 },
        { jobClass: "protected", jobs: 9, live: { p50: 0, p95: 0.2 }, fifo: { p50: 0, p95: 0 }, late: 0 },
      ],
    }));
    const html = await page(`${url}/dashboard/panels`);
    expect(html).toMatch(/data-shadow="production-deploy">[\s\S]*?<td class="num">4<\/td>\s*<td class="num">0\.0s<\/td><td class="num">2\.0s<\/td>\s*<td class="num good">0\.1s<\/td><td class="num">33s<\/td>/);
    expect(html).toMatch(/data-shadow="merge-request">[\s\S]*?<td class="num worse">16s<\/td><td class="num">6\.6s<\/td>/);
    // The chart: one Switchyard and one FIFO bar per class, on one scale (the longest p95 is the widest bar).
    const bars = [...html.matchAll(/<rect class="(live|fifo)" x="\d+" y="\d+" width="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
    expect(bars.map(([cls]) => cls)).toEqual(["live", "fifo", "live", "fifo", "live", "fifo"]);
    expect(Math.max(...bars.map(([, w]) => w as number))).toBe(bars[3]![1]);
    // 0.2 s against 0 s is no difference worth a colour.
    expect(html).toMatch(/data-shadow="protected">[\s\S]*?<td class="num ">0\.2s<\/td>/);
    expect(html).toContain("replayed under FIFO on its pool's slots");
    // An unreadable report is left out and counted, never rendered.
    await env.redis.set(env.keys.shadowFifo, JSON.stringify({ v: 1, classes: "<script>" }));
    const broken = await page(`${url}/dashboard/panels`);
    expect(broken).toContain("No jobs replayed yet");
    expect(broken).toContain("1 unreadable records skipped");
  });

  it("shows the breaker as unknown when the assigner has not written it", async () => {
    const html = await page(`${await start(undefined)}/dashboard/panels`);
    expect(html).toContain('data-testid="breaker-state">unknown<');
  });

  it("escapes every string from Redis, so a job name cannot inject markup", async () => {
    const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    await putRunners(env, [runnerState("r-001", { description: evil, runningJobIds: [5], running: 1 })]);
    await env.redis.hset(env.keys.jobMeta, "5", JSON.stringify(jobMeta(5, { name: evil, jobClass: `"><b>x</b>` })));
    await putQueue(env, [jobMeta(6, { name: evil })]);
    await putDecisions(env, [decision(7, { rationale: evil })]);
    await env.redis.hset(env.keys.pendingApprovals, "d-9", JSON.stringify(approvalRequest(`d-9"><x`, { rationale: evil })));
    await env.redis.set(env.keys.breaker, JSON.stringify({ state: "closed", at: Date.now(), reason: evil }));
    const html = await page(`${await start(TOKEN)}/dashboard/panels`);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>x</b>");
    expect(html).not.toContain('d-9"><x');
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("disables approval buttons and refuses answers when no token is configured", async () => {
    await env.redis.hset(env.keys.pendingApprovals, "d-1", JSON.stringify(approvalRequest("d-1")));
    const url = await start(undefined);
    const html = await page(`${url}/dashboard`);
    expect(html).toMatch(/<button class="approve" hx-post="\/dashboard\/approvals\/d-1\/approve" hx-target="#panels" disabled/);
    expect(html).toContain("no dashboardToken is configured");
    const res = await fetch(`${url}/dashboard/approvals/d-1/approve`, { method: "POST", headers: { "hx-request": "true" } });
    expect(res.status).toBe(403);
  });

  it("signs in with ?token= once: an HttpOnly cookie, a redirect to a clean URL, and a wrong token gets nothing", async () => {
    const url = await start(TOKEN);
    const wrong = await fetch(`${url}/dashboard?token=nope`, { redirect: "manual" });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const ok = await fetch(`${url}/dashboard?token=${TOKEN}&name=alice`, { redirect: "manual" });
    expect(ok.headers.get("location")).toBe("/dashboard");
    const cookie = ok.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const html = await page(`${url}/dashboard`, { headers: { cookie: cookie.split(";")[0] ?? "" } });
    expect(html).toContain("signed in as <b>alice</b>");
    expect(await page(`${url}/dashboard`, { headers: { cookie: "sy_dashboard=alice.forged" } })).toContain("Sign in to approve");
  });

  it("answers a signed-in click as the dashboard principal, only with the htmx header, shows the assigner's verdict, and never logs the token", async () => {
    // Stands in for the assigner (tools/start/test/nats-auth.test.ts runs the real pair): it knows d-77 once.
    const answers: ApprovalAnswer[] = [];
    const assigner = env.nc.subscribe(env.subjects.approvalAnswer("dashboard"), {
      callback: (_err, msg) => {
        const answer = msg.json<ApprovalAnswer>();
        answers.push(answer);
        const first = answer.decisionId === "d-77" && answers.filter((a) => a.decisionId === "d-77").length === 1;
        const result: ApprovalResult = first
          ? { v: 1, decisionId: "d-77", result: "accepted", message: "rejected d-77 as dashboard", by: "dashboard", at: Date.now() }
          : { v: 1, decisionId: answer.decisionId, result: "unknown", message: `no supervised decision ${answer.decisionId} is awaiting approval`, by: null, at: Date.now() };
        msg.respond(JSON.stringify(result));
      },
    });
    await env.nc.flush();
    try {
      const url = await start(TOKEN);
      const login = await fetch(`${url}/dashboard/login`, {
        method: "POST", redirect: "manual", body: new URLSearchParams({ token: TOKEN, name: "bob" }),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      expect((await fetch(`${url}/dashboard/approvals/d-77/reject`, { method: "POST", headers: { cookie } })).status).toBe(403);
      const res = await fetch(`${url}/dashboard/approvals/d-77/reject`, { method: "POST", headers: { cookie, "hx-request": "true" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("Rejected decision d-77 as bob");
      expect(answers[0]).toMatchObject({ v: 1, decisionId: "d-77", approved: false, by: "bob" });
      const gone = await fetch(`${url}/dashboard/approvals/d-missing/approve`, { method: "POST", headers: { cookie, "hx-request": "true" } });
      expect(await gone.text()).toContain("Not approved: no supervised decision d-missing is awaiting approval");
      expect(logs.text()).not.toContain(TOKEN);
    } finally {
      assigner.unsubscribe();
    }
  });

  it("serves htmx and idiomorph's htmx extension from their npm packages", async () => {
    const url = await start(undefined);
    const res = await fetch(`${url}/dashboard/htmx.min.js`);
    expect(res.headers.get("content-type")).toContain("javascript");
    expect(await res.text()).toContain("htmx");
    const morph = await fetch(`${url}/dashboard/idiomorph-ext.min.js`);
    expect(morph.headers.get("content-type")).toContain("javascript");
    expect(await morph.text()).toContain('defineExtension("morph"');
  });
});

describe("queue-time quantile estimate", () => {
  it.each([
    { name: "all in the first bucket interpolates from 0", counts: { 1: 10 }, q: 0.5, expected: 0.5 },
    { name: "median inside the 3..10 bucket", counts: { 1: 2, 3: 2, 10: 4 }, q: 0.5, expected: 3 },
    { name: "p95 in the 30..60 bucket", counts: { 1: 90, 60: 10 }, q: 0.95, expected: 45 },
    { name: "beyond the last bound is infinite", counts: { 1: 1, "+Inf": 9 }, q: 0.5, expected: Number.POSITIVE_INFINITY },
    { name: "no jobs is no estimate", counts: {}, q: 0.5, expected: null },
  ])("$name", ({ counts, q, expected }) => {
    const map = new Map(Object.entries(counts).map(([k, v]) => [k, v]));
    expect(estimateQuantile(q, map)).toBe(expected);
  });
});
