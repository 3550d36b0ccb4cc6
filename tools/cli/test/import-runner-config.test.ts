import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseToml } from "smol-toml";
import { stringify as toYaml } from "yaml";
import { checkAgentConfig } from "../src/check-config.js";
import { importRunnerConfig, RunnerConfigError } from "../src/import-runner-config.js";

const REPO = resolve(import.meta.dirname, "../../..");

// As gitlab-runner 18.x writes it (commands/register.go, common/config.go): two managers of one
// registration (same glrt- token) and a second registration; monitoring from common/config/runner/monitoring.
const CONFIG_TOML = readFileSync(join(REPO, "tools/cli/examples/gitlab-runner-config.toml"), "utf8");

let n = 0;
const newToken = () => `syr_test_token_${String(++n).padStart(8, "0")}`;

describe("import-runner-config", () => {
  it("makes one pool per GitLab registration, a Switchyard token per runner, and the runners' new config.toml", () => {
    const out = importRunnerConfig(CONFIG_TOML, { brokerUrl: "https://switchyard.internal:8080", newToken });
    expect(out.gitlabUrl).toBe("https://gitlab.example.com");
    expect(out.pools).toEqual([
      { name: "docker-1", upstreamToken: "glrt-AAAAAAAAAAAAAAAAAAAA", lookahead: 2 },
      { name: "gpu-box", upstreamToken: "glrt-BBBBBBBBBBBBBBBBBBBB", lookahead: 2 },
    ]);
    expect(out.runners.map((r) => [r.id, r.pool])).toEqual([["docker-1", "docker-1"], ["docker-2", "docker-1"], ["gpu-box", "gpu-box"]]);
    expect(new Set(out.runners.map((r) => r.token)).size).toBe(3);
    expect(out.jobQueuingDurations).toEqual([{ periods: ["* * * * * * *"], threshold: "5m", jobs_running_for_project: "^0$" }]);

    const rewritten = parseToml(out.runnerConfigToml) as { concurrent: number; runners: Record<string, any>[] };
    expect(rewritten.concurrent).toBe(4);
    expect(rewritten.runners.map((r) => r.url)).toEqual(Array(3).fill("https://switchyard.internal:8080"));
    expect(rewritten.runners.map((r) => r.token)).toEqual(out.runners.map((r) => r.token));
    // Everything else the runner had is kept as it was.
    expect(rewritten.runners[0]).toMatchObject({ name: "docker-1", executor: "docker", limit: 2, docker: { image: "alpine:3.20" } });
    // A TOML date-time stays one (gitlab-runner reads token_obtained_at as time.Time), not a string.
    expect(out.runnerConfigToml).toMatch(/token_obtained_at = 2024-01-01T00:00:00(\.000)?Z/);
  });

  it("produces config the assigner and the optimizer accept with their own schemas", async () => {
    const out = importRunnerConfig(CONFIG_TOML, { brokerUrl: "https://switchyard.internal:8080", newToken });
    const dir = mkdtempSync(join(tmpdir(), "import-"));
    writeFileSync(join(dir, "assigner.yaml"), toYaml({ gitlabUrl: out.gitlabUrl, pools: out.pools, runners: out.runners }));
    writeFileSync(join(dir, "optimizer.yaml"), toYaml({ jobQueuingDurations: out.jobQueuingDurations }));
    expect(await checkAgentConfig("assigner", join(dir, "assigner.yaml"), {})).toEqual([]);
    expect(await checkAgentConfig("optimizer", join(dir, "optimizer.yaml"), {})).toEqual([]);
  });

  it("refuses what one Switchyard cannot serve, saying why", () => {
    const two = CONFIG_TOML.replace('url = "https://gitlab.example.com"\n  token = "glrt-BBBB', 'url = "https://other.example.com"\n  token = "glrt-BBBB');
    expect(() => importRunnerConfig(two, { brokerUrl: "http://sy", newToken })).toThrow(/2 GitLab instances/);
    expect(() => importRunnerConfig("concurrent = 1\n", { brokerUrl: "http://sy", newToken })).toThrow(RunnerConfigError);
    expect(() => importRunnerConfig("[[runners]\n", { brokerUrl: "http://sy", newToken })).toThrow(/not valid TOML/);
  });

  it("runs as a CLI command: the three parts on stdout, or one line and exit 4 for a file it cannot take", async () => {
    const dir = mkdtempSync(join(tmpdir(), "import-cli-"));
    writeFileSync(join(dir, "config.toml"), CONFIG_TOML);
    writeFileSync(join(dir, "bad.toml"), "concurrent = 1\n");
    const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, [join(REPO, "tools/cli/dist/main.js"), ...args], { env: { PATH: process.env.PATH ?? "" } },
        (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    const ok = await run(["import-runner-config", join(dir, "config.toml"), "--broker-url", "https://sy.internal"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/# 1\. The assigner's config[\s\S]*upstreamToken: glrt-A[\s\S]*# 2\. [\s\S]*jobQueuingDurations[\s\S]*# 3\. [\s\S]*url = "https:\/\/sy\.internal"/);
    const parsed = JSON.parse((await run(["import-runner-config", join(dir, "config.toml"), "--json", "--broker-url", "https://sy.internal"])).stdout) as { assigner: { pools: unknown[] } };
    // No URL given: refused rather than written into every runner's config.toml as a placeholder.
    const noUrl = await run(["import-runner-config", join(dir, "config.toml")]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/--broker-url <url> .* is required/);
    expect(parsed.assigner.pools).toHaveLength(2);
    const bad = await run(["import-runner-config", join(dir, "bad.toml"), "--broker-url", "https://sy.internal"]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/^switchyard: import-runner-config: .*bad\.toml: no \[\[runners\]\] entries\n$/);
  }, 30_000);
});
