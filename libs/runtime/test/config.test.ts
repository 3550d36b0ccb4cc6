import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, baseConfigSchema, envNameOf, loadConfig } from "../src/index.js";

const schema = baseConfigSchema.extend({
  gitlabUrl: z.url(),
  pools: z.array(z.object({ name: z.string() })).min(1),
});

describe("loadConfig", () => {
  it("reads env by convention and applies defaults", () => {
    const c = loadConfig(schema, { env: { SWITCHYARD_GITLAB_URL: "http://gl.local", SWITCHYARD_POOLS: '[{"name":"linux"}]', NATS_URL: "nats://n:4222" } });
    expect(c.gitlabUrl).toBe("http://gl.local");
    expect(c.pools).toEqual([{ name: "linux" }]);
    expect(c.natsUrl).toBe("nats://n:4222");
    expect(c.subjectPrefix).toBe("switchyard");
  });

  it("names every bad key and its env variable at once", () => {
    let error: unknown;
    try {
      loadConfig(schema, { env: { SWITCHYARD_GITLAB_URL: "not a url", SWITCHYARD_HTTP_PORT: "99999" } });
    } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toMatch(/gitlabUrl \(env SWITCHYARD_GITLAB_URL\)/);
    expect(text).toMatch(/httpPort \(env SWITCHYARD_HTTP_PORT\)/);
    expect(text).toMatch(/pools \(env SWITCHYARD_POOLS\)/);
  });

  it("reads a YAML file and lets env override it", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "c.yaml");
    writeFileSync(file, "gitlabUrl: http://from-file\npools:\n  - name: a\nlogLevel: debug\n");
    const c = loadConfig(schema, { env: { SWITCHYARD_CONFIG: file, SWITCHYARD_LOG_LEVEL: "warn" } });
    expect(c.gitlabUrl).toBe("http://from-file");
    expect(c.logLevel).toBe("warn");
  });

  it("returns a frozen config", () => {
    const c = loadConfig(schema, { env: { SWITCHYARD_GITLAB_URL: "http://x", SWITCHYARD_POOLS: '[{"name":"a"}]' } });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.pools[0])).toBe(true);
  });

  it("maps camelCase keys to SWITCHYARD_ env names", () => {
    expect(envNameOf("scorerBudgetMs")).toBe("SWITCHYARD_SCORER_BUDGET_MS");
  });

  it("reads a value from the file named by <ENV>_FILE, JSON included, without its final newline", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    writeFileSync(join(dir, "redis-url"), "redis://:s3cret@redis:6379\n");
    writeFileSync(join(dir, "pools.json"), '[{"name":"linux"}]\n');
    const c = loadConfig(schema, { env: {
      SWITCHYARD_GITLAB_URL: "http://x",
      SWITCHYARD_POOLS_FILE: join(dir, "pools.json"),
      REDIS_URL_FILE: join(dir, "redis-url"),
    } });
    expect(c.redisUrl).toBe("redis://:s3cret@redis:6379");
    expect(c.pools).toEqual([{ name: "linux" }]);
  });

  it("names a missing *_FILE and one set together with its variable", () => {
    let error: unknown;
    try {
      loadConfig(schema, { env: {
        SWITCHYARD_GITLAB_URL: "http://x", SWITCHYARD_POOLS: '[{"name":"a"}]',
        SWITCHYARD_LOG_LEVEL_FILE: "/nonexistent/level",
        SWITCHYARD_NATS_URL: "nats://a:4222", SWITCHYARD_NATS_URL_FILE: "/nonexistent/nats",
      } });
    } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toMatch(/SWITCHYARD_LOG_LEVEL_FILE: ENOENT/);
    expect(text).toMatch(/SWITCHYARD_NATS_URL_FILE: set together with the variable itself/);
  });
});
