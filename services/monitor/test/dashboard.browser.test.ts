import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { ApprovalAnswer } from "@switchyard/contracts";
import { loadConfig, startAgentRuntime, redisKeys, type AgentRuntime } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { CHROMIUM, HAVE_CHROMIUM, launchHeadlessChromium } from "@switchyard/testing/browser";
import { monitorConfigSchema } from "../src/config.js";
import { createDashboard } from "../src/dashboard/dashboard.js";
import { approvalRequest, decision, putDecisions, runnerState, putRunners, seedRealisticFleet } from "./dashboard-fixtures.js";

const IN_CI = process.env.CI === "true";
const TOKEN = "browser-test-token-7f3a9c21";

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`dashboard browser test SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium); it never skips when CI=true`);
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)("dashboard in a real browser", () => {
  let env: TestEnv;
  let rt: AgentRuntime;
  let browser: Browser;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`CI=true but ${CHROMIUM} is missing: install Debian's chromium`);
    env = await createTestEnv("dashbrowser");
    // The monitor's runtime and dashboard, wired as main.ts wires them, from the same config schema.
    const config = loadConfig(monitorConfigSchema, { env: env.agentEnv({ SWITCHYARD_DASHBOARD_TOKEN: TOKEN, SWITCHYARD_DASHBOARD_REFRESH_MS: "500", SWITCHYARD_LOG_LEVEL: "warn" }) });
    rt = await startAgentRuntime({ agent: "monitor", config, handleSignals: false });
    rt.addRoute(createDashboard({
      redis: rt.redis, keys: redisKeys(config.keyPrefix), bus: rt.bus, log: rt.log, token: config.dashboardToken,
      diskThreshold: config.diskThreshold, refreshMs: config.dashboardRefreshMs,
    }));
    rt.setReady(true);
    browser = await launchHeadlessChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rt?.lifecycle.shutdown("test over");
    await env?.close();
  });

  it("shows the fleet, updates itself when Redis changes, and an approve click sends an ApprovalAnswerV1 the assigner accepts", async () => {
    await seedRealisticFleet(env);
    await env.redis.hset(env.keys.pendingApprovals, "d-48140", JSON.stringify(approvalRequest("d-48140", {
      jobId: 48140, proposedRunnerId: "r-003", fifoRunnerId: "r-002",
      rationale: "production-deploy: r-003 is idle with 77% disk headroom; FIFO would wait for r-002",
    })));
    // Stands in for the assigner: accepts the answer on the dashboard's approval subject.
    const replies = env.collect(env.subjects.approvalAnswer("dashboard"));
    const assigner = env.nc.subscribe(env.subjects.approvalAnswer("dashboard"), {
      callback: (_err, msg) => { msg.respond(JSON.stringify({ v: 1, decisionId: "d-48140", result: "accepted", message: "approved d-48140 as dashboard", by: "dashboard", at: Date.now() })); },
    });
    await env.nc.flush();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`${rt.http.url}/dashboard?token=${TOKEN}&name=oncall`);
      expect(page.url()).toBe(`${rt.http.url}/dashboard`);
      await page.waitForSelector('[data-runner="r-001"][data-state="healthy"]');
      expect(await page.locator(".runner").count()).toBe(10);
      expect(await page.locator('[data-runner="r-006"]').getAttribute("data-state")).toBe("draining");
      expect(await page.locator('[data-testid="queue-total"]').textContent()).toBe("7 waiting");
      expect(await page.locator("#decisions-panel").textContent()).toContain("LLM tie-break: r-004");
      expect(await page.locator('[data-testid="breaker-state"]').textContent()).toBe("closed");
      await page.waitForFunction("typeof window.htmx === 'object'");

      // Redis changes; the page follows by itself (htmx polling), no reload.
      await putRunners(env, [runnerState("r-003", { running: 1, limit: 2, runningJobIds: [48140], diskUsedRatio: 0.23 })]);
      await env.redis.set(env.keys.breaker, JSON.stringify({ state: "open", at: Date.now(), reason: "scorer timed out 3 times in a row" }));
      await putDecisions(env, [decision(48150, { decisionId: "d-48150", rationale: "fresh decision after the change", mode: "fifo-fallback", margin: null })]);
      await page.waitForSelector('[data-testid="breaker-state"]:text("open")');
      await page.waitForSelector('[data-runner="r-003"] [data-testid="jobs-bar"][aria-valuenow="50"]');
      await page.waitForSelector('[data-decision="d-48150"]');

      // A refresh morphs the panels: the Approve button stays the very same node, so a click in progress
      // (a human's, or Playwright's wait for a stable element) is never lost to a replaced DOM.
      const approveButton = `document.querySelector('[data-approval="d-48140"] button.approve')`;
      await page.evaluate(`${approveButton}.marked = true`);
      await nextRefresh();
      expect(await page.evaluate(`${approveButton}.marked === true`)).toBe(true);
      await page.click('[data-approval="d-48140"] button.approve');
      await replies.waitForCount(1);
      expect(replies.json<ApprovalAnswer>()[0]).toMatchObject({ v: 1, decisionId: "d-48140", approved: true, by: "oncall" });
      await page.waitForSelector('#flash [data-testid="flash"]:text("Approved decision d-48140")');
      // The notice outlives the panels' own refresh (every 500 ms here): it is not inside what is refreshed.
      await nextRefresh();
      expect(await page.locator('[data-testid="flash"]').textContent()).toContain("Approved decision d-48140");
    } finally {
      assigner.unsubscribe();
      await page.close();
    }

    /** Resolves once the panels were refreshed (their footer carries the render time). */
    async function nextRefresh(): Promise<void> {
      const renderedAt = await page.locator("footer").getAttribute("data-rendered-at");
      await page.waitForFunction(`document.querySelector("footer")?.getAttribute("data-rendered-at") !== ${JSON.stringify(renderedAt)}`);
    }
  });
});
