import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseToml } from "smol-toml";
import { AssignerSettingsV1 } from "@switchyard/contracts";
import { createRunnerRegistry } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { AGENT_NAMES, checkAgentConfig } from "../src/check-config.js";

const REPO = resolve(import.meta.dirname, "../../..");
let env: TestEnv;
beforeEach(async () => { env = await createTestEnv("clirun"); });
afterEach(async () => { await env.close(); });

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(REPO, "tools/cli/dist/main.js"), ...args], { env: { PATH: process.env.PATH ?? "", ...env.agentEnv({ SWITCHYARD_BROKER_URL: "https://sy.example:8080" }) } }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const tokenOf = (out: string) => (parseToml(out.replace(/^#.*\n/, "")) as { runners: { token: string }[] }).runners[0]!.token;

describe("the CLI checks input against the running assigner's config", () => {
  /** The CLI without SWITCHYARD_BROKER_URL: what it prints must come from the assigner or nowhere. */
  const bare = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, [join(REPO, "tools/cli/dist/main.js"), ...args], { env: { PATH: process.env.PATH ?? "", ...env.agentEnv() } },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });

  it("takes pools, job classes and the runners' url from the assigner's recorded settings, and refuses to guess a url", async () => {
    const none = await bare(["add-runner", "--pool", "linux", "--id", "r-none"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no broker URL for the runners: set SWITCHYARD_BROKER_URL, or the assigner's publicUrl/);
    expect(await env.redis.hexists(env.keys.runnerRegistry, "r-none")).toBe(0);

    // What an assigner writes at start (services/assigner/src/settings-record.ts), through its contract.
    await env.redis.set(env.keys.assignerSettings, JSON.stringify(AssignerSettingsV1.parse({
      v: 1, pools: ["arm64"], jobClasses: ["nightly", "release"], publicUrl: "https://broker.internal:8443", at: Date.now(),
    })));
    const added = await bare(["add-runner", "--pool", "arm64", "--id", "r-arm"]);
    expect(added.code).toBe(0);
    expect((parseToml(added.stdout.replace(/^#.*\n/, "")) as { runners: { url: string }[] }).runners[0]!.url).toBe("https://broker.internal:8443");
    const wrongPool = await bare(["add-runner", "--pool", "linux"]);
    expect(wrongPool.code).toBe(4);
    expect(wrongPool.stderr).toMatch(/unknown pool 'linux' \(known: arm64, from the running assigner's config\)/);
    expect((await bare(["tier", "nightly", "supervised"])).code).toBe(0);
    const wrongClass = await bare(["tier", "merge-request", "supervised"]);
    expect(wrongClass.code).toBe(4);
    expect(wrongClass.stderr).toMatch(/unknown job class 'merge-request' \(known: nightly, release, from the running assigner's config\)/);
  }, 60_000);
});

describe("switchyard runners", () => {
  it("lists added runners, rotates a token so only the new one works, and removes a runner with its token", async () => {
    const added = await cli(["add-runner", "--pool", "linux", "--id", "r-a"]);
    expect(added.code).toBe(0);
    expect((await cli(["add-runner", "--pool", "gpu", "--id", "r-b"])).code).toBe(0);
    const oldToken = tokenOf(added.stdout);

    const list = await cli(["runners", "list", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([{ id: "r-a", pool: "linux", source: "cli" }, { id: "r-b", pool: "gpu", source: "cli" }]);
    expect((await cli(["runners", "list"])).stdout).toMatch(/r-a\s+pool linux\nr-b\s+pool gpu/);

    // A fresh registry per check: as an assigner whose short token cache has expired.
    const lookup = (token: string) => createRunnerRegistry(env.redis, env.keys, []).lookup(token);
    const rotated = await cli(["runners", "rotate", "r-a"]);
    expect(rotated.code).toBe(0);
    const newToken = tokenOf(rotated.stdout);
    expect(newToken).not.toBe(oldToken);
    expect(await lookup(oldToken)).toBeNull();
    expect(await lookup(newToken)).toEqual({ id: "r-a", pool: "linux" });
    expect(await env.redis.hlen(env.keys.runnerTokens)).toBe(2);

    const removed = await cli(["runners", "remove", "r-a"]);
    expect(removed.code).toBe(0);
    expect(await lookup(newToken)).toBeNull();
    expect(await env.redis.hexists(env.keys.runnerRegistry, "r-a")).toBe(0);
    expect(await env.redis.hlen(env.keys.runnerTokens)).toBe(1);
    expect((await cli(["runners", "remove", "r-a"])).code).toBe(4);
  }, 60_000);

  it("an assigner that cached a token stops accepting it once the cache lifetime passes after a removal", async () => {
    let now = 1_000;
    const assignerView = createRunnerRegistry(env.redis, env.keys, [], { cacheTtlMs: 5_000, now: () => now });
    const cliView = createRunnerRegistry(env.redis, env.keys, []);
    await cliView.add("syr_token-to-remove", { id: "r-gone", pool: "linux" });
    expect(await assignerView.lookup("syr_token-to-remove")).toEqual({ id: "r-gone", pool: "linux" });
    expect(await cliView.remove("r-gone")).toBe(true);
    now += 4_999;
    expect(await assignerView.lookup("syr_token-to-remove")).not.toBeNull();
    now += 2;
    expect(await assignerView.lookup("syr_token-to-remove")).toBeNull();
  });
});

describe("switchyard check-config", () => {
  const dir = mkdtempSync(join(tmpdir(), "check-config-"));
  const write = (name: string, text: string) => { const file = join(dir, name); writeFileSync(file, text); return file; };

  it("prints every problem of a bad file, typos with the key that was meant, and exits 2", async () => {
    const file = write("scorer.yaml", "marginRatoi: 0.2\nhttpPort: 99999\n");
    const r = await cli(["check-config", "scorer", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/marginRatoi: unknown key/);
    expect(r.stdout).toMatch(/httpPort/);
    expect(r.stderr).toMatch(/^switchyard: check-config: .* is not a valid scorer config\n$/);
    const asJson = JSON.parse((await cli(["check-config", "scorer", file, "--json"])).stdout) as { valid: boolean; problems: string[] };
    expect(asJson.valid).toBe(false);
    expect(asJson.problems.length).toBe(2);
  }, 30_000);

  it("accepts a valid file", async () => {
    const r = await cli(["check-config", "scorer", write("ok.yaml", "logLevel: warn\n")]);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/valid scorer config/) as string });
  }, 30_000);

  it("refuses queueOrder.lookaheadK, which the assigner once accepted and ignored: the one head-size knob is the top-level headSize", async () => {
    const problems = await checkAgentConfig("assigner", write("assigner.yaml", "queueOrder:\n  lookaheadK: 8\n"), {});
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/queueOrder\.lookaheadK: unknown key/)]));
    expect(await checkAgentConfig("assigner", write("assigner-ok.yaml", "headSize: 8\n"), {})).toEqual(expect.not.arrayContaining([expect.stringMatching(/unknown key/)]));
  });

  it("every config file the repository ships uses only keys its agent knows", async () => {
    const shipped: [string, string][] = [];
    for (const base of ["deploy/compose/config", "deploy/kubernetes/base/config"]) {
      for (const name of readdirSync(join(REPO, base))) {
        const agent = name.replace(/\.ya?ml$/, "");
        if ((AGENT_NAMES as readonly string[]).includes(agent)) shipped.push([agent, join(REPO, base, name)]);
      }
    }
    expect(shipped.length).toBeGreaterThanOrEqual(8);
    for (const [agent, file] of shipped) {
      // Secrets come from *_FILE at deploy time; what the file itself says must be known to the agent.
      const problems = await checkAgentConfig(agent as (typeof AGENT_NAMES)[number], file, {});
      expect(problems.filter((p) => p.includes("unknown key")), file).toEqual([]);
    }
  });
});

describe("every agent at start-up", () => {
  /** Runs an agent's main.js with the test's NATS and Redis until it exits. */
  function startAgentProcess(agent: string, extraEnv: Record<string, string>): Promise<{ agent: string; code: number; stderr: string }> {
    return new Promise((done) => {
      execFile(process.execPath, [join(REPO, `services/${agent}/dist/main.js`)], { env: { PATH: process.env.PATH ?? "", ...env.agentEnv(extraEnv) } },
        (err, _stdout, stderr) => done({ agent, code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }));
    });
  }

  it("refuses a config typo the same way: one report naming the key meant, exit code 2", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "typo-")), "agent.yaml");
    writeFileSync(file, "logLevle: debug\n");
    const results = await Promise.all(AGENT_NAMES.map((agent) => startAgentProcess(agent, { SWITCHYARD_CONFIG: file })));
    for (const r of results) {
      expect(r.code, r.agent).toBe(2);
      expect(r.stderr, r.agent).toMatch(new RegExp(`^${r.agent}: invalid configuration:\\n  - logLevle: unknown key; did you mean "logLevel"\\?`));
    }
  }, 60_000);

  it("fails to start the same way: one line naming the agent and the cause, no stack trace, exit code 1", async () => {
    // The HTTP port is taken, so each agent fails after NATS and Redis connected, in the runtime's start.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const results = await Promise.all(AGENT_NAMES.map((agent) => startAgentProcess(agent, {
        SWITCHYARD_HTTP_PORT: String(port), SWITCHYARD_LOG_LEVEL: "silent",
        // The assigner's required settings (the scorer reads SWITCHYARD_POOLS as pool names).
        ...(agent === "assigner" ? { SWITCHYARD_GITLAB_URL: "http://127.0.0.1:9", SWITCHYARD_POOLS: JSON.stringify([{ name: "p", upstreamToken: "glrt-startup-test" }]) } : {}),
      })));
      for (const r of results) {
        expect(r.code, r.agent).toBe(1);
        expect(r.stderr, r.agent).toMatch(new RegExp(`^${r.agent}: failed to start: .*EADDRINUSE.*\\n$`));
      }
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 60_000);
});
