import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FleetEvent } from "@switchyard/contracts";
import { createTestEnv, startNodeProcess, type TestEnv } from "@switchyard/testing";
import { createBus, createLogger, createMetrics, createRunnerRegistry } from "@switchyard/runtime";
import { createApprovals } from "../../../services/assigner/src/deciding/approvals.js";

const log = createLogger({ name: "cli-test", level: "silent" });

let env: TestEnv;
beforeEach(async () => { env = await createTestEnv("cli"); });
afterEach(async () => { await env.close(); });

async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = startNodeProcess("cli", "tools/cli/dist/main.js", env.agentEnv({ SWITCHYARD_BROKER_URL: "https://sy.example:8080" }), args);
  const code = await new Promise<number | null>((done) => p.child.once("exit", done));
  return { code, out: p.output() };
}

/** Runs the linked `switchyard` command itself (shebang, run bit, shim), as `npx switchyard` does. */
function linked(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = resolve(import.meta.dirname, "../../../node_modules/.bin/switchyard");
  return new Promise((done) => {
    execFile(bin, args, { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env.agentEnv(), ...extraEnv } }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const COMMANDS = ["watch", "add-runner", "approve", "reject", "tiers", "tier", "runners", "check-config", "import-runner-config", "what-if"];

describe("switchyard CLI", () => {
  it("adds a runner: prints config.toml lines once and keeps only the token's hash", async () => {
    const { code, out } = await cli(["add-runner", "--pool", "linux", "--id", "r-042"]);
    expect(code).toBe(0);
    const token = /token = "(glrt-[^"]+)"/.exec(out)?.[1];
    expect(token).toBeDefined();
    expect(out).toContain('url = "https://sy.example:8080"');
    expect(out).toContain(`gitlab-runner register --non-interactive --url 'https://sy.example:8080' --token ${token} --name r-042`);
    const stored = JSON.stringify(await env.redis.hgetall(env.keys.runnerTokens)) + JSON.stringify(await env.redis.hgetall(env.keys.runnerRegistry));
    expect(stored).not.toContain(token);
    expect(await createRunnerRegistry(env.redis, env.keys, []).lookup(token!)).toEqual({ id: "r-042", pool: "linux" });
  });

  it("approves under its NATS user and exits 0; an unknown, answered or expired id exits 4 with the assigner's reason", async () => {
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "assigner", log, metrics: createMetrics("assigner") });
    const approvals = createApprovals({ bus, log, redis: env.redis, keys: env.keys });
    await env.nc.flush();
    const request = (decisionId: string) => ({
      v: 1 as const, decisionId, jobId: 7, pool: "linux", jobClass: "production-deploy", proposedRunnerId: "r-1", fifoRunnerId: "r-2",
      rationale: "test", expiresAt: Date.now() + 10_000,
    });
    try {
      const verdict = approvals.ask(request("approval-7-1"), 10_000);
      const ok = await cli(["approve", "approval-7-1", "--by", "alice"]);
      expect(ok).toMatchObject({ code: 0, out: expect.stringMatching(/approved approval-7-1 as cli/) });
      // Unauthenticated here, so the principal is the CLI's default; under the shipped config it is its NATS user.
      expect(await verdict).toMatchObject({ state: "approved", by: "cli", claimedBy: "alice" });
      expect(await cli(["reject", "approval-7-1"])).toMatchObject({ code: 4, out: expect.stringMatching(/already-answered: decision approval-7-1 was already approved by cli/) });
      expect(await cli(["approve", "approval-nope"])).toMatchObject({ code: 4, out: expect.stringMatching(/unknown: no supervised decision approval-nope is awaiting approval/) });
      await approvals.ask(request("approval-8-1"), 20);
      expect(await cli(["approve", "approval-8-1"])).toMatchObject({ code: 4, out: expect.stringMatching(/expired: decision approval-8-1 expired at .*safe default/) });
    } finally {
      approvals.stop();
    }
  });

  it("exits 3 when no assigner answers an approval", async () => {
    const { code, out } = await cli(["approve", "approval-9-1"]);
    expect(code).toBe(3);
    expect(out).toMatch(/approve approval-9-1: no assigner answered/);
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
    expect(JSON.parse((await cli(["tiers", "--json"])).out)).toMatchObject({ applied: { "production-deploy": "autonomous" }, proposals: [] });
  });

  it("the linked command prints help and the version, for the tool and for each command", async () => {
    const [help, h, version, ...each] = await Promise.all([linked(["--help"]), linked(["-h"]), linked(["--version"]), ...COMMANDS.map((c) => linked([c, "--help"]))]);
    for (const r of [help!, h!]) {
      expect(r.code).toBe(0);
      for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c}`);
    }
    expect(version!.stdout).toMatch(/^switchyard \d+\.\d+\.\d+\n$/);
    COMMANDS.forEach((c, i) => {
      expect(each[i]!.code, c).toBe(0);
      expect(each[i]!.stdout, c).toMatch(new RegExp(`^usage: switchyard ${c}\\b`));
    });
  }, 120_000);

  it("reports each usage mistake in one line with the documented exit code", async () => {
    const cases: [string[], number, RegExp][] = [
      [["bogus"], 2, /unknown command 'bogus'/],
      [["--nope"], 2, /unknown option '--nope'/],
      [["watch", "bogus"], 2, /unknown filter 'bogus'/],
      [["watch", "--nope"], 2, /Unknown option '--nope'/],
      [["approve"], 2, /needs a decision id/],
      [["reject", "a", "b"], 2, /unexpected argument 'b'/],
      [["tier", "default", "yolo"], 2, /unknown tier 'yolo'/],
      [["tier", "nosuchclass", "autonomous"], 4, /unknown job class 'nosuchclass'/],
      [["add-runner"], 2, /--pool <pool> is required/],
      [["add-runner", "--pool", "nope"], 4, /unknown pool 'nope'/],
      [["add-runner", "--pool", "linux", "--id", 'a"b'], 2, /--id must be/],
      [["runners"], 2, /runners: needs a subcommand/],
      [["runners", "drop"], 2, /unknown subcommand 'drop'/],
      [["runners", "remove"], 2, /needs a runner id/],
      [["runners", "remove", "r-none"], 4, /no runner 'r-none' was added with add-runner/],
      [["runners", "rotate", "r-none"], 4, /no runner 'r-none' was added with add-runner/],
      [["check-config", "janitor", "x.yaml"], 2, /unknown agent 'janitor'/],
      [["check-config", "scorer"], 2, /needs an agent and a file/],
      [["what-if", "--project", "x"], 2, /what-if: --url <gitlab> is required/],
      [["what-if", "--url", "http://127.0.0.1:9"], 2, /name at least one --project or --group/],
      [["what-if", "--url", "nope", "--group", "g"], 2, /--url 'nope' is not a URL/],
      [["what-if", "--url", "http://u:secret@127.0.0.1:9", "--group", "g"], 2, /--url must not carry credentials/],
      [["what-if", "--url", "http://127.0.0.1:9", "--group", "g", "--since", "soon"], 2, /--since 'soon' is not a date/],
      [["what-if", "--url", "http://127.0.0.1:9", "--group", "g", "--max-jobs", "0"], 2, /--max-jobs must be a whole number/],
      [["what-if", "--url", "http://127.0.0.1:9", "--group", "g", "--runners", "linux=x"], 2, /--runners: runners per pool: bad entries linux=x/],
      [["what-if", "--url", "http://127.0.0.1:9", "--group", "g"], 2, /set SWITCHYARD_GITLAB_TOKEN/],
    ];
    const results = await Promise.all(cases.map(([args]) => linked(args)));
    for (const [i, [args, code, message]] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.stderr, args.join(" ")).toMatch(new RegExp(`^switchyard: .*${message.source}.*\\n$`));
      expect(r.stderr.split("\n").length, args.join(" ")).toBe(2);
    }
    expect(await env.redis.hlen(env.keys.tierOverrides)).toBe(0);
    expect(await env.redis.hlen(env.keys.runnerRegistry)).toBe(0);
  }, 120_000);

  it("says in one line, exit 3, that NATS or Redis cannot be reached", async () => {
    const [nats, redis] = await Promise.all([linked(["watch"], { NATS_URL: "nats://127.0.0.1:1" }), linked(["tiers"], { REDIS_URL: "redis://127.0.0.1:1" })]);
    // A URL's password never reaches the terminal.
    const withPasswords = await Promise.all([linked(["watch"], { NATS_URL: "nats://cli:s3cret-nats@127.0.0.1:1" }), linked(["tiers"], { REDIS_URL: "redis://:s3cret-redis@127.0.0.1:1" })]);
    for (const r of withPasswords) {
      expect(r.code).toBe(3);
      expect(r.stderr).not.toMatch(/s3cret/);
      expect(r.stderr).toMatch(/127\.0\.0\.1:1/);
    }
    expect(nats).toMatchObject({ code: 3, stderr: expect.stringMatching(/^switchyard: cannot reach NATS at nats:\/\/127\.0\.0\.1:1: .*\n$/) as string });
    expect(redis).toMatchObject({ code: 3, stderr: expect.stringMatching(/^switchyard: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*\n$/) as string });
  }, 60_000);

  it("refuses a second token for an existing runner id, and prints TOML a parser reads back", async () => {
    const first = await cli(["add-runner", "--pool", "gpu", "--id", "r-7"]);
    expect(first.code).toBe(0);
    const { parse } = await import("smol-toml");
    const toml = parse(first.out.replace(/^#.*\n/, "")) as { runners: { name: string; url: string; token: string }[] };
    expect(toml.runners[0]).toMatchObject({ name: "r-7", url: "https://sy.example:8080" });
    const again = await linked(["add-runner", "--pool", "gpu", "--id", "r-7"], { SWITCHYARD_BROKER_URL: "https://sy.example:8080" });
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/runner 'r-7' already exists/);
    expect(await createRunnerRegistry(env.redis, env.keys, []).lookup(toml.runners[0]!.token)).toEqual({ id: "r-7", pool: "gpu" });
    expect(await env.redis.hlen(env.keys.runnerTokens)).toBe(1);
  }, 60_000);
});
