import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, baseConfigSchema, loadConfig, nearestKey, unknownKeyProblems } from "../src/index.js";

const schema = baseConfigSchema.extend({
  pools: z.array(z.object({ name: z.string(), lookahead: z.number().default(2) })).default([]),
  tiers: z.record(z.string(), z.object({ marginRatio: z.number().optional() })).default({}),
  labels: z.object({}).catchall(z.string()).default({}),
});

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  const file = join(mkdtempSync(join(tmpdir(), "cfgkeys-")), "c.yaml");
  writeFileSync(file, yaml);
  try {
    loadConfig(schema, { env: { SWITCHYARD_CONFIG: file, ...env } });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("unknown config keys", () => {
  it("refuses a top-level typo and names the key that was meant", () => {
    expect(problemsOf("logLevle: debug\n")).toEqual(['logLevle: unknown key; did you mean "logLevel"?']);
  });

  it("finds typos inside arrays and records, with their full path", () => {
    const problems = problemsOf("pools:\n  - name: a\n    lookahed: 5\ntiers:\n  deploy:\n    marginRatoi: 0.2\n");
    expect(problems).toContain('pools[0].lookahed: unknown key; did you mean "lookahead"?');
    expect(problems).toContain('tiers.deploy.marginRatoi: unknown key; did you mean "marginRatio"?');
  });

  it("checks JSON given in env the same way as the file", () => {
    expect(problemsOf("{}\n", { SWITCHYARD_POOLS: '[{"name":"a","lokahead":1}]' })).toEqual(['pools[0].lokahead: unknown key; did you mean "lookahead"?']);
  });

  it("offers no guess when nothing is close, and leaves open objects open", () => {
    expect(problemsOf("somethingElseEntirely: 1\nlabels:\n  any: thing\n")).toEqual(["somethingElseEntirely: unknown key"]);
  });

  it("reports unknown keys together with invalid values", () => {
    const problems = problemsOf("lookahed: 1\nhttpPort: 99999\n");
    expect(problems.some((p) => p.startsWith("lookahed: unknown key"))).toBe(true);
    expect(problems.some((p) => p.startsWith("httpPort"))).toBe(true);
  });

  it("accepts a config with only known keys", () => {
    expect(problemsOf("logLevel: warn\npools:\n  - name: a\n    lookahead: 0\n")).toEqual([]);
    expect(unknownKeyProblems(schema, { pools: [{ name: "a" }] })).toEqual([]);
  });

  it("suggests only keys within a small edit distance", () => {
    expect(nearestKey("marginRatoi", ["marginRatio", "lookahead"])).toBe("marginRatio");
    expect(nearestKey("zzz", ["marginRatio", "lookahead"])).toBeUndefined();
  });
});
