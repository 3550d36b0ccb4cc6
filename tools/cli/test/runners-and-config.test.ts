import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseToml } from "smol-toml";
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
  it("refuses a config typo the same way: one report naming the key meant, exit code 2", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "typo-")), "agent.yaml");
    writeFileSync(file, "logLevle: debug\n");
    const results = await Promise.all(AGENT_NAMES.map((agent) => new Promise<{ agent: string; code: number; stderr: string }>((done) => {
      execFile(process.execPath, [join(REPO, `services/${agent}/dist/main.js`)], { env: { PATH: process.env.PATH ?? "", ...env.agentEnv({ SWITCHYARD_CONFIG: file }) } },
        (err, _stdout, stderr) => done({ agent, code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }));
    })));
    for (const r of results) {
      expect(r.code, r.agent).toBe(2);
      expect(r.stderr, r.agent).toMatch(new RegExp(`^${r.agent}: invalid configuration:\\n  - logLevle: unknown key; did you mean "logLevel"\\?`));
    }
  }, 60_000);
});
