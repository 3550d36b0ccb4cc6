import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeys, startNodeProcess, TEST_NATS_URL, TEST_REDIS_URL, uniquePrefix } from "@switchyard/testing";
import { HAVE_CHROMIUM, launchHeadlessChromium } from "@switchyard/testing/browser";
import { Redis } from "ioredis";
import { connect } from "@nats-io/transport-node";
import { subjects } from "@switchyard/contracts";
import { deleteStream } from "@switchyard/runtime";

const prefix = uniquePrefix("start");
const workDir = mkdtempSync(join(tmpdir(), "switchyard-start-"));
const authWorkDir = mkdtempSync(join(tmpdir(), "switchyard-start-auth-"));
// The README's dashboard picture is the demo's own dashboard: SWITCHYARD_SCREENSHOT=1 writes it.
const SCREENSHOT = fileURLToPath(new URL("../../../docs/dashboard.png", import.meta.url));

/** Every live descendant of a process, from ps. */
function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" }).trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
  const out: number[] = [];
  const walk = (parent: number) => { for (const [p, pp] of rows) if (pp === parent && p !== undefined) { out.push(p); walk(p); } };
  walk(pid);
  return out;
}
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  await deleteKeys(redis, `${prefix}:*`);
  await redis.quit();
  const nc = await connect({ servers: TEST_NATS_URL });
  await deleteStream(nc, subjects(prefix).outcomeStream);
  await deleteStream(nc, subjects(prefix).deadLetterStream);
  await nc.drain();
  rmSync(workDir, { recursive: true, force: true });
  rmSync(authWorkDir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("shows decisions on the simulated fleet and leaves no process behind on Ctrl-C", async () => {
    const start = startNodeProcess("start", "tools/start/dist/main.js", { NATS_URL: TEST_NATS_URL, REDIS_URL: TEST_REDIS_URL },
      ["--prefix", prefix, "--work-dir", workDir, "--runners-per-pool", "2", "--rate", "60", "--speed", "120", "--light"]);
    await start.waitForOutput(/dashboard\s+http:\/\/127\.0\.0\.1:\d+\//, 60_000);
    await start.waitForOutput(/job \d+ [\w-]+ \(\w+\) → r-\d+ via (rule|llm|fifo-fallback)/, 30_000);
    const children = descendants(start.child.pid!);
    expect(children.length).toBeGreaterThanOrEqual(6); // four agents, simulated GitLab, simulated runners
    expect(await start.stop("SIGINT")).toBe(0);
    expect(start.output()).toMatch(/stopped; logs kept in/);
    expect(children.filter(alive)).toEqual([]);
  }, 120_000);

  it("without NATS_URL runs its own nats-server with a user per agent: the system decides, nothing is refused, approvals answer", async () => {
    // No NATS_URL: npm start must not use the unauthenticated NATS on 4222 even though it answers.
    const start = startNodeProcess("start", "tools/start/dist/main.js", { REDIS_URL: TEST_REDIS_URL },
      ["--prefix", prefix, "--work-dir", authWorkDir, "--runners-per-pool", "2", "--rate", "60", "--speed", "120", "--light"]);
    try {
      await start.waitForOutput(/NATS\s+nats:\/\/127\.0\.0\.1:\d+ \(started here, one user per agent/, 30_000);
      expect(start.output()).not.toMatch(/NATS\s+nats:\/\/127\.0\.0\.1:4222\b/);
      // A scored decision: the assigner asked, a scorer under its own user answered into the assigner's inbox.
      await start.waitForOutput(/job \d+ [\w-]+ \(\w+\) → r-\d+ via rule/, 60_000);
      const cliUrlFile = join(authWorkDir, "secrets", "cli-nats-url");
      expect(readFileSync(cliUrlFile, "utf8")).toMatch(/^nats:\/\/cli:[0-9a-f]{48}@127\.0\.0\.1:\d+$/);
      expect(start.output()).not.toMatch(/[0-9a-f]{48}/); // no password on the console
      const cli = startNodeProcess("cli", "tools/cli/dist/main.js", { NATS_URL_FILE: cliUrlFile, REDIS_URL: TEST_REDIS_URL, SWITCHYARD_SUBJECT_PREFIX: prefix },
        ["approve", "approval-0-0"]);
      expect(await new Promise((done) => cli.child.once("exit", done))).toBe(4);
      expect(cli.output()).toMatch(/unknown: no supervised decision approval-0-0 is awaiting approval/);
      // The README's "Watching it" line: the CLI loaded with cli.env alone reaches this demo, takes its pools
      // from the running assigner and prints the demo's broker as the runners' url (nothing guessed).
      const cliEnv = Object.fromEntries(readFileSync(join(authWorkDir, "cli.env"), "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
      expect(cliEnv).toMatchObject({ NATS_URL_FILE: cliUrlFile, SWITCHYARD_SUBJECT_PREFIX: prefix, SWITCHYARD_KEY_PREFIX: prefix });
      const brokerUrl = /broker\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(start.output())![1]!;
      const added = startNodeProcess("cli", "tools/cli/dist/main.js", cliEnv, ["add-runner", "--pool", "linux", "--id", "r-cli-env"]);
      expect(await new Promise((done) => added.child.once("exit", done))).toBe(0);
      expect(added.output()).toContain(`url = "${brokerUrl}"`);
    } finally {
      expect(await start.stop("SIGINT")).toBe(0);
    }
    // Every agent did its job under its own user: the server refused nothing.
    const serverLog = readFileSync(join(authWorkDir, "logs", "nats-server.log"), "utf8");
    expect(serverLog).toMatch(/Server is ready/);
    expect(serverLog.split("\n").filter((l) => /Violation/.test(l))).toEqual([]);
  }, 120_000);
});

describe("npm start's demo (bursts, the default)", () => {
  it("forms a queue a production deploy overtakes within a minute, and shows per class Switchyard's queue time beside FIFO's in the terminal and on the dashboard", async () => {
    const start = startNodeProcess("start", "tools/start/dist/main.js", { NATS_URL: TEST_NATS_URL, REDIS_URL: TEST_REDIS_URL },
      ["--prefix", prefix, "--work-dir", workDir]);
    try {
      const dashboard = (await start.waitForOutput(/dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/)/, 60_000)).match(/dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/)/)![1]!;
      await start.waitForOutput(/Ctrl-C stops everything/, 30_000);
      expect(start.output()).toMatch(/load: 12 pipelines a minute plus a burst of 20 every 60 simulated minutes/);
      // A deploy placed while older jobs still wait in its pool: the overtaking the demo is for.
      await start.waitForOutput(/↑ production deploy job \d+ placed ahead of \d+ older jobs? still queued in \w+/, 60_000);
      // The periodic summary: one line per class, Switchyard's p50/p95 beside the shadow FIFO's.
      await start.waitForOutput(/— queue time per class[^\n]*\n(\s+[\w-]+\s+\d+ jobs\s+p50\s+[\d.]+ s vs\s+[\d.]+ s\s+p95[^\n]*\n)+/, 90_000);
      if (!HAVE_CHROMIUM) return;
      const browser = await launchHeadlessChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        await page.goto(`${dashboard}dashboard`);
        await page.waitForSelector("#shadow-fifo-panel [data-shadow]", { timeout: 30_000 });
        await page.waitForSelector("#shadow-fifo-panel svg rect.fifo");
        if (process.env.SWITCHYARD_SCREENSHOT === "1") {
          // Wait for a moment worth showing: production deploys ahead of FIFO in the comparison, and a queue.
          await page.waitForSelector('#shadow-fifo-panel [data-shadow="production-deploy"] td.good', { timeout: 180_000 });
          await page.waitForFunction("Number((document.querySelector('[data-testid=\"queue-total\"]')?.textContent ?? '0').split(' ')[0]) >= 5", undefined, { timeout: 90_000, polling: 200 });
          await page.screenshot({ path: SCREENSHOT, fullPage: true });
        }
      } finally {
        await browser.close();
      }
    } finally {
      expect(await start.stop("SIGINT")).toBe(0);
    }
  }, 300_000);
});
