import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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
});
