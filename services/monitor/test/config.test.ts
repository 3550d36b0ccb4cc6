import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@switchyard/runtime";
import { monitorConfigSchema } from "../src/config.js";

describe("monitor config", () => {
  it("takes the fleet as JSON from SWITCHYARD_FLEET, with defaults for the policy", () => {
    const config = loadConfig(monitorConfigSchema, { env: {
      SWITCHYARD_GITLAB_URL: "http://gitlab.test", SWITCHYARD_GITLAB_TOKEN: "glpat-x",
      SWITCHYARD_FLEET: JSON.stringify([{ id: "r-001", pool: "docker", gitlabRunnerId: 7, metricsUrl: "http://h:9252/metrics" }]),
      SWITCHYARD_DIRECT_RUNNER_IDS: "[11, 12]", SWITCHYARD_RECYCLING: "false",
    } });
    expect(config.fleet).toEqual([{ id: "r-001", pool: "docker", gitlabRunnerId: 7, metricsUrl: "http://h:9252/metrics" }]);
    expect(config).toMatchObject({ diskThreshold: 0.6, pollIntervalMs: 10_000, directRunnerIds: [11, 12], recycling: false });
    expect(Object.isFrozen(config.fleet[0])).toBe(true);
  });

  it("reads the fleet from a YAML file named by SWITCHYARD_CONFIG", () => {
    const dir = mkdtempSync(join(tmpdir(), "monitor-config-"));
    const file = join(dir, "monitor.yaml");
    writeFileSync(file, "diskThreshold: 0.8\nfleet:\n  - id: r-001\n    pool: gpu\n    metricsUrl: http://10.0.0.5:9252/metrics\n    hostMetricsUrl: http://10.0.0.5:9100/metrics\n    cpus: 8\n");
    const config = loadConfig(monitorConfigSchema, { env: { SWITCHYARD_CONFIG: file } });
    expect(config.diskThreshold).toBe(0.8);
    expect(config.fleet[0]).toMatchObject({ id: "r-001", pool: "gpu", cpus: 8 });
  });

  it("reports every problem at once: a token without a URL, duplicate and unobservable runners", () => {
    const error = (() => {
      try {
        loadConfig(monitorConfigSchema, { env: {
          SWITCHYARD_GITLAB_TOKEN: "glpat-x",
          SWITCHYARD_FLEET: JSON.stringify([{ id: "r-1", pool: "p", metricsUrl: "http://h/metrics" }, { id: "r-1", pool: "p" }]),
        } });
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error("config was accepted");
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const text = error.problems.join("\n");
    expect(text).toMatch(/gitlabUrl and gitlabToken go together/);
    expect(text).toMatch(/duplicate runner id r-1/);
    expect(text).toMatch(/needs gitlabRunnerId or metricsUrl/);
    expect(text).not.toContain("glpat-x");
  });
});
