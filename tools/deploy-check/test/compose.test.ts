import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// Static checks of deploy/compose (Docker does not run on CI machines): what `docker compose up`
// relies on for an ordered, private start with secrets as files.

const dir = resolve(import.meta.dirname, "../../../deploy/compose");
/* eslint-disable @typescript-eslint/no-explicit-any */
const compose = parse(readFileSync(join(dir, "docker-compose.yml"), "utf8"), { merge: true }) as any;
const services = Object.entries(compose.services as Record<string, any>);

describe("deploy/compose", () => {
  it("publishes neither NATS nor Redis on the host, and both require a password", () => {
    expect(compose.services.nats.ports).toBeUndefined();
    expect(compose.services.redis.ports).toBeUndefined();
    expect(compose.services.redis.command.join(" ")).toMatch(/--appendonly yes --appendfsync everysec --requirepass/);
    // nats.conf itself (one user per agent, generated from the permission table) is checked by tools/start/test/nats-config.test.ts.
    const natsConf = readFileSync(join(dir, "nats/nats.conf"), "utf8");
    for (const user of ["assigner", "scorer", "monitor", "optimizer", "cli"]) {
      expect(natsConf).toMatch(new RegExp(`user: "${user}"\\s+password: \\$SWITCHYARD_NATS_PASSWORD_${user.toUpperCase()}\\s`));
      expect(compose.services.nats.secrets).toContain(`nats_password_${user}`);
    }
    expect(compose.services.nats.volumes).toContain("./nats/nats.conf:/etc/nats/nats.conf:ro");
  });

  it("gives every service a healthcheck, init and a pinned image, and starts each after its dependencies are healthy", () => {
    // Images built FROM scratch have nothing to run a check with; Prometheus's `up` watches them instead.
    const noShell = new Set(["nats-exporter"]);
    for (const [name, service] of services) {
      if (noShell.has(name)) expect(service.healthcheck, `${name} healthcheck`).toEqual({ disable: true });
      else expect(service.healthcheck?.test, `${name} healthcheck`).toBeDefined();
      expect(service.init, `${name} init`).toBe(true);
      expect(service.image, `${name} image`).toMatch(/:[0-9v][^:]*$/);
      for (const [dep, spec] of Object.entries((service.depends_on ?? {}) as Record<string, any>)) {
        expect(spec, `${name} depends_on ${dep}`).toEqual({ condition: "service_healthy" });
      }
    }
  });

  it("hands secrets over as files: each *_FILE names a secret the service mounts and make-secrets.sh creates", () => {
    // A `for user in a b; do ... $user ... done` loop counts as its lines written out for each user.
    const script = readFileSync(join(dir, "make-secrets.sh"), "utf8").replace(/for (\w+) in ([\w ]+); do\n([\s\S]*?)\ndone/g,
      (_m, name: string, list: string, body: string) => list.split(" ").map((v) => body.replaceAll(`$${name}`, v)).join("\n"));
    for (const [secret, spec] of Object.entries(compose.secrets as Record<string, { file: string }>)) {
      expect(script, `make-secrets.sh creates ${spec.file}`).toContain(`> ${spec.file.replace("./", "")}`);
      expect(secret).toMatch(/^[a-z_]+$/);
    }
    let fileVars = 0;
    for (const [name, service] of services) {
      for (const [key, value] of Object.entries((service.environment ?? {}) as Record<string, string>)) {
        expect(key, `${name}: no secret in plain env`).not.toMatch(/^(NATS_URL|REDIS_URL|ANTHROPIC_API_KEY|SWITCHYARD_DASHBOARD_TOKEN)$/);
        if (!key.endsWith("_FILE") || !String(value).startsWith("/run/secrets/")) continue;
        const secret = String(value).slice("/run/secrets/".length);
        expect(service.secrets, `${name} mounts ${secret} for ${key}`).toContain(secret);
        expect(compose.secrets).toHaveProperty([secret]);
        fileVars++;
      }
    }
    expect(fileVars).toBeGreaterThanOrEqual(10);
    expect(compose.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toBe("${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}");
  });
});
