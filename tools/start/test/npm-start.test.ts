import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeys, startNodeProcess, TEST_NATS_URL, TEST_REDIS_URL, uniquePrefix } from "@switchyard/testing";
import { Redis } from "ioredis";
import { connect } from "@nats-io/transport-node";
import { subjects } from "@switchyard/contracts";
import { deleteStream } from "@switchyard/runtime";

const prefix = uniquePrefix("start");
const workDir = mkdtempSync(join(tmpdir(), "switchyard-start-"));
const authWorkDir = mkdtempSync(join(tmpdir(), "switchyard-start-auth-"));

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
      ["--prefix", prefix, "--work-dir", workDir, "--runners-per-pool", "2", "--rate", "60", "--speed", "120"]);
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
      ["--prefix", prefix, "--work-dir", authWorkDir, "--runners-per-pool", "2", "--rate", "60", "--speed", "120"]);
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
    } finally {
      expect(await start.stop("SIGINT")).toBe(0);
    }
    // Every agent did its job under its own user: the server refused nothing.
    const serverLog = readFileSync(join(authWorkDir, "logs", "nats-server.log"), "utf8");
    expect(serverLog).toMatch(/Server is ready/);
    expect(serverLog.split("\n").filter((l) => /Violation/.test(l))).toEqual([]);
  }, 120_000);
});
