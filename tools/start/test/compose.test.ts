import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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

// The secrets exactly as an operator makes them: make-secrets.sh run on a copy of the script,
// so the test never writes into the checkout. Compose mounts secret `x` at /run/secrets/x.
const secretsRoot = mkdtempSync(join(tmpdir(), "compose-secrets-"));
cpSync(join(composeDir, "make-secrets.sh"), join(secretsRoot, "make-secrets.sh"));
execFileSync("sh", [join(secretsRoot, "make-secrets.sh")], { env: { ...process.env, ANTHROPIC_API_KEY: "" } });
const composeSecrets = (compose as unknown as { secrets: Record<string, { file: string }> }).secrets;
afterAll(() => rmSync(secretsRoot, { recursive: true, force: true }));

/** The container's env, with /config and /run/secrets mapped to local copies and ${VAR:-} defaults applied. */
function containerEnv(service: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(compose.services[service]?.environment ?? {})) {
    env[k] = String(v)
      .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1")
      .replace(/^\/config\//, `${composeDir}/config/`)
      .replace(/^\/run\/secrets\/(.+)$/, (_m, name: string) => join(secretsRoot, composeSecrets[name]?.file ?? name));
  }
  return env;
}

const secretFile = (env: Record<string, string>, key: string) => readFileSync(env[`${key}_FILE`] ?? "", "utf8");

describe("deploy/compose", () => {
  it.each(Object.keys(agents))("gives the %s every required config key, valid by its own schema", (name) => {
    const env = containerEnv(name);
    expect(secretFile(env, "NATS_URL")).toMatch(new RegExp(`^nats://${name}:[0-9a-f]{48}@nats:4222$`));
    expect(secretFile(env, "REDIS_URL")).toMatch(/^redis:\/\/:[0-9a-f]{48}@redis:6379$/);
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
