import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApprovalReply, FleetEvent } from "@switchyard/contracts";
import { createTestEnv, startNodeProcess, type TestEnv } from "@switchyard/testing";
import { createRunnerRegistry } from "@switchyard/runtime";

let env: TestEnv;
beforeEach(async () => { env = await createTestEnv("cli"); });
afterEach(async () => { await env.close(); });

async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = startNodeProcess("cli", "tools/cli/dist/main.js", env.agentEnv({ SWITCHYARD_BROKER_URL: "https://sy.example:8080" }), args);
  const code = await new Promise<number | null>((resolve) => p.child.once("exit", resolve));
  return { code, out: p.output() };
}

describe("switchyard CLI", () => {
  it("adds a runner: prints config.toml lines once and keeps only the token's hash", async () => {
    const { code, out } = await cli(["add-runner", "--pool", "linux", "--id", "r-042"]);
    expect(code).toBe(0);
    const token = /token = "(syr_[^"]+)"/.exec(out)?.[1];
    expect(token).toBeDefined();
    expect(out).toContain('url = "https://sy.example:8080"');
    const stored = JSON.stringify(await env.redis.hgetall(env.keys.runnerTokens)) + JSON.stringify(await env.redis.hgetall(env.keys.runnerRegistry));
    expect(stored).not.toContain(token);
    expect(await createRunnerRegistry(env.redis, env.keys, []).lookup(token!)).toEqual({ id: "r-042", pool: "linux" });
  });

  it("publishes an approval reply with who approved", async () => {
    const replies = env.collect(env.subjects.approvalReply);
    await env.nc.flush();
    const { code } = await cli(["approve", "approval-7-1", "--by", "alice"]);
    expect(code).toBe(0);
    await replies.waitForCount(1);
    expect(replies.json<ApprovalReply>()[0]).toMatchObject({ decisionId: "approval-7-1", approved: true, by: "alice" });
  });

  it("applies a trust tier for the assigner to read and announces it; refuses an unknown tier", async () => {
    const events = env.collect(env.subjects.eventAll);
    await env.nc.flush();
    expect((await cli(["tier", "production-deploy", "autonomous", "--by", "bob"])).code).toBe(0);
    expect(await env.redis.hget(env.keys.tierOverrides, "production-deploy")).toBe("autonomous");
    await events.waitForCount(1);
    expect(events.json<FleetEvent>()[0]).toMatchObject({ kind: "trust.applied", details: { jobClass: "production-deploy", tier: "autonomous", by: "bob" } });
    expect((await cli(["tier", "production-deploy", "yolo"])).code).toBe(2);
    const { out } = await cli(["tiers"]);
    expect(out).toMatch(/production-deploy: autonomous/);
  });
});
