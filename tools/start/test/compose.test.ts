import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { z } from "zod";
import { loadConfig } from "@switchyard/runtime";
import { fleetFileSchema } from "@switchyard/gitlab-sim";
import { REPO_ROOT } from "@switchyard/testing";
import { assignerConfigSchema } from "../../../services/assigner/src/config.js";
import { monitorConfigSchema } from "../../../services/monitor/src/config.js";
import { optimizerConfigSchema } from "../../../services/optimizer/src/config.js";
import { scorerConfigSchema } from "../../../services/scorer/src/config.js";

// Docker does not run here: the compose file is checked by parsing it and by loading each
// agent's configuration exactly as the container would, through the agent's own schema.
const composeDir = join(REPO_ROOT, "deploy/compose");
const compose = parse(readFileSync(join(composeDir, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; volumes?: string[]; profiles?: string[] }>;
};
const agents: Record<string, z.ZodObject> = {
  assigner: assignerConfigSchema, scorer: scorerConfigSchema, monitor: monitorConfigSchema, optimizer: optimizerConfigSchema,
};

/** The container's env, with the config file mounted at /config mapped to the repo's copy and ${VAR:-} defaults applied. */
function containerEnv(service: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(compose.services[service]?.environment ?? {})) {
    env[k] = String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1").replace(/^\/config\//, `${composeDir}/config/`);
  }
  return env;
}

describe("deploy/compose", () => {
  it.each(Object.keys(agents))("gives the %s every required config key, valid by its own schema", (name) => {
    const env = containerEnv(name);
    expect(env.NATS_URL).toBe("nats://nats:4222");
    expect(env.REDIS_URL).toBe("redis://redis:6379");
    expect(existsSync(env.SWITCHYARD_CONFIG ?? "")).toBe(true);
    expect(() => loadConfig(agents[name]!, { env })).not.toThrow();
  });

  it("starts each agent from a built entry point that exists", () => {
    for (const name of Object.keys(agents)) {
      const script = compose.services[name]?.command?.[1];
      expect(script).toBe(`services/${name}/dist/main.js`);
      expect(existsSync(join(REPO_ROOT, script!))).toBe(true);
    }
  });

  it("keeps the simulated GitLab and runners under the demo profile, with a valid fleet", () => {
    for (const name of ["sim-gitlab", "sim-runners"]) {
      expect(compose.services[name]?.profiles).toEqual(["demo"]);
      expect(existsSync(join(REPO_ROOT, compose.services[name]!.command![1]!))).toBe(true);
    }
    const fleet = fleetFileSchema.parse(parse(readFileSync(join(composeDir, "config/fleet.yaml"), "utf8")));
    const assigner = loadConfig(assignerConfigSchema, { env: containerEnv("assigner") });
    expect(assigner.pools.map((p) => p.name).sort()).toEqual(fleet.pools.map((p) => p.name).sort());
    expect(assigner.runners).toHaveLength(fleet.runners.length);
  });
});
