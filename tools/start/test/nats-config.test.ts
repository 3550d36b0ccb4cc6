import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { parse } from "yaml";
import { NATS_USERS, natsPermissions } from "@switchyard/contracts";
import { freePort, natsPasswordVariable } from "@switchyard/runtime";
import { REPO_ROOT } from "@switchyard/testing";
import { composeNatsConf, DEPLOY_PREFIX, helmNatsValues } from "../src/nats-deploy-config.js";
import { stopChild, waitForPort } from "../src/local-services.js";

// The shipped NATS configs are generated from libs/contracts/src/nats-permissions.ts; regenerate
// them with `npm run build && node tools/start/dist/write-nats-config.js` after changing the table.
const composeConf = join(REPO_ROOT, "deploy/compose/nats/nats.conf");
const helmValues = join(REPO_ROOT, "deploy/kubernetes/helm-values/nats.yaml");
const dir = mkdtempSync(join(tmpdir(), "switchyard-nats-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the shipped NATS server configs", () => {
  it("compose's nats.conf and the Helm values hold exactly the permission table's users and rights", () => {
    expect(readFileSync(composeConf, "utf8")).toBe(composeNatsConf());
    const current = readFileSync(helmValues, "utf8");
    expect(current).toBe(helmNatsValues(current));
    const users = (parse(current) as { config: { merge: { authorization: { users: { user: string }[] } } } }).config.merge.authorization.users;
    expect(users.map((u) => u.user)).toEqual(Object.keys(natsPermissions(DEPLOY_PREFIX)));
  });

  it("make-secrets.sh and the compose entry point cover every NATS user", () => {
    const script = readFileSync(join(REPO_ROOT, "deploy/compose/make-secrets.sh"), "utf8");
    const compose = readFileSync(join(REPO_ROOT, "deploy/compose/docker-compose.yml"), "utf8");
    const loop = `for user in ${NATS_USERS.join(" ")}; do`;
    expect(script).toContain(loop);
    expect(compose).toContain(`for u in ${NATS_USERS.join(" ")}; do`);
  });

  it("compose's nats.conf runs in nats-server with passwords from the environment and enforces the table", async () => {
    const [port, monitorPort] = [await freePort(), await freePort()];
    const passwords = Object.fromEntries(NATS_USERS.map((u) => [natsPasswordVariable(u), `pw-${u}`]));
    // The file as shipped, but with its JetStream store here instead of the container's /data.
    const conf = join(dir, "nats.conf");
    writeFileSync(conf, readFileSync(composeConf, "utf8").replace("store_dir: /data", `store_dir: ${JSON.stringify(join(dir, "js"))}`));
    const child = spawn("nats-server", ["-c", conf, "-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort)], {
      env: { PATH: process.env.PATH ?? "", ...passwords }, stdio: "ignore",
    });
    const stop = stopChild(child, join(dir, "js"));
    try {
      await waitForPort(port, child, "nats-server");
      const nc = await connect({ servers: `nats://127.0.0.1:${port}`, user: "monitor", pass: "pw-monitor", reconnect: false });
      const refused = (async () => {
        for await (const s of nc.status()) if (s.type === "error" && /Permissions Violation for Publish to "switchyard.weights.update"/.test(s.error.message)) return true;
        return false;
      })();
      nc.publish("switchyard.weights.update", "{}");
      expect(await refused).toBe(true);
      await nc.close();
      await expect(connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false })).rejects.toThrow(/authorization/i);
    } finally {
      await stop();
    }
  });
});
