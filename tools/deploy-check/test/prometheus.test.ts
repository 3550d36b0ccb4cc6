import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

// deploy/compose/prometheus checked by Prometheus's own tool: the config loads, the rules parse,
// and the unit tests in alerts.test.yml fire (and stay silent) where they should.

const dir = resolve(import.meta.dirname, "../../../deploy/compose/prometheus");
const work = mkdtempSync(join(tmpdir(), "deploy-prometheus-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function findPromtool(): string | undefined {
  for (const candidate of ["/usr/bin/promtool", "promtool"]) {
    if (spawnSync(candidate, ["--version"], { stdio: "ignore" }).status === 0) return candidate;
  }
  return undefined;
}
const promtool = findPromtool();

/** Runs promtool; resolves its exit code and output instead of throwing, so a failure shows why. */
function run(args: string[], cwd = dir): { status: number | null; output: string } {
  const r = spawnSync(promtool as string, args, { cwd, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface RuleTest { name: string; alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }
const alertNames = (parse(readFileSync(join(dir, "alerts.yml"), "utf8")) as { groups: { rules: { alert: string }[] }[] })
  .groups.flatMap((g) => g.rules.map((r) => r.alert));
const ruleTests = (parse(readFileSync(join(dir, "alerts.test.yml"), "utf8")) as { rule_files: string[]; tests: RuleTest[] });

describe("alert rule unit tests (alerts.test.yml)", () => {
  it("cover every alert with a case where it fires and one where it stays silent", () => {
    expect(ruleTests.rule_files).toEqual(["alerts.yml"]);
    const checks = ruleTests.tests.flatMap((t) => t.alert_rule_test);
    for (const alert of alertNames) {
      const own = checks.filter((c) => c.alertname === alert);
      expect(own.some((c) => c.exp_alerts.length > 0), `${alert} fires in some case`).toBe(true);
      expect(own.some((c) => c.exp_alerts.length === 0), `${alert} stays silent in some case`).toBe(true);
    }
    expect(new Set(checks.map((c) => c.alertname))).toEqual(new Set(alertNames));
  });
});

describe.skipIf(!promtool)(`promtool${promtool ? "" : " (skipped: promtool not found; Debian/Ubuntu: apt-get install prometheus)"}`, () => {
  it("accepts the alert rules", () => {
    const { status, output } = run(["check", "rules", "alerts.yml"]);
    expect(output).toContain(`SUCCESS: ${alertNames.length} rules found`);
    expect(status).toBe(0);
  });

  it("passes the alert rule unit tests", () => {
    const { status, output } = run(["test", "rules", "alerts.test.yml"]);
    expect(output).toContain("SUCCESS");
    expect(status).toBe(0);
  });

  it("fails the unit tests when an alert's expectation is wrong, so a broken rule cannot pass", () => {
    copyFileSync(join(dir, "alerts.yml"), join(work, "alerts.yml"));
    const wrong = readFileSync(join(dir, "alerts.test.yml"), "utf8").replace("opened 4 times", "opened 5 times");
    writeFileSync(join(work, "alerts.test.yml"), wrong);
    const { status, output } = run(["test", "rules", "alerts.test.yml"], work);
    expect(output).toContain("FAILED");
    expect(status).not.toBe(0);
  });

  it("accepts prometheus.yml with its rule and runner target files where the container mounts them", () => {
    // The config names /etc/prometheus/…: check a copy that points at the same files here.
    for (const file of ["alerts.yml", "runners.yml"]) copyFileSync(join(dir, file), join(work, file));
    const config = readFileSync(join(dir, "prometheus.yml"), "utf8").replaceAll("/etc/prometheus/", `${work}/`);
    writeFileSync(join(work, "prometheus.yml"), config);
    const { status, output } = run(["check", "config", "prometheus.yml"], work);
    expect(output).toMatch(/SUCCESS: 1 rule files found/);
    expect(status).toBe(0);
  });
});

