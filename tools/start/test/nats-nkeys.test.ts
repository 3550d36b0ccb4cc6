// NATS nkey users (issue 12 item 1): the server config holds only public keys, each agent its own seed
// (SWITCHYARD_NATS_NKEY_SEED_FILE), and the permission table applies to them exactly as to password users.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { subjects } from "@switchyard/contracts";
import { baseConfigSchema, connectNats, createLogger, createNkeyUser, loadConfig, scrubSecrets } from "@switchyard/runtime";
import { REPO_ROOT, startOwnNats, type OwnServer } from "@switchyard/testing";
import { DEPLOY_PREFIX } from "../src/nats-deploy-config.js";

const s = subjects(DEPLOY_PREFIX);
const log = createLogger({ name: "nats-nkeys-test", level: "silent" });
let dir: string;
let nats: OwnServer;
const open: NatsConnection[] = [];

const seedOf = (user: string) => readFileSync(join(dir, `${user}.nk`), "utf8");
async function as(user: string, seed = seedOf(user)): Promise<NatsConnection> {
  const nc = await connectNats(nats.url, `test-${user}`, log, { nkeySeed: seed, user });
  open.push(nc);
  return nc;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "switchyard-nkeys-"));
  // The operator's command, as docs/OPERATING.md prints it.
  execFileSync(process.execPath, [join(REPO_ROOT, "tools/start/dist/write-nats-config.js"), "--nkeys", dir], { stdio: "ignore" });
  const conf = join(dir, "nats.conf");
  writeFileSync(conf, 'include "nats-authorization.conf"\n');
  nats = await startOwnNats({ configFile: conf });
}, 30_000);

afterAll(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  await nats?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("NATS with nkey users", () => {
  it("writes one private seed per user and a server config with public keys only", () => {
    const conf = readFileSync(join(dir, "nats-authorization.conf"), "utf8");
    for (const user of ["assigner", "scorer", "monitor", "optimizer", "cli"]) {
      const seed = seedOf(user).trim();
      expect(seed).toMatch(/^SU[A-Z2-7]{56}$/);
      expect(statSync(join(dir, `${user}.nk`)).mode & 0o077).toBe(0); // readable by its owner only
      expect(conf).not.toContain(seed);
    }
    expect(conf).toMatch(/nkey: "U[A-Z2-7]{55}"/);
    expect(conf).not.toMatch(/password/);
  });

  it("lets the assigner ask the scorers and read the reply in its own inbox, as with passwords", async () => {
    const scorer = await as("scorer");
    const sub = scorer.subscribe(s.jobBatchQueued("linux"), { callback: (_e, msg) => { msg.respond("scored"); } });
    await scorer.flush();
    const reply = await (await as("assigner")).request(s.jobBatchQueued("linux"), "batch", { timeout: 5_000 });
    expect(reply.string()).toBe("scored");
    sub.unsubscribe();
  });

  it("refuses a publish outside the user's rights", async () => {
    const monitor = await as("monitor");
    const refused = (async () => {
      for await (const st of monitor.status()) if (st.type === "error" && /Permissions Violation for Publish to "switchyard.weights.update"/.test(st.error.message)) return true;
      return false;
    })();
    monitor.publish(s.weightsUpdate, "{}");
    expect(await refused).toBe(true);
  });

  it("refuses a seed the server does not know", async () => {
    await expect(connectNats(nats.url, "stranger", log, { nkeySeed: createNkeyUser().seed, user: "assigner" }).then((nc) => { open.push(nc); return nc.flush(); }))
      .rejects.toThrow(/authorization/i);
  });

  it("reads the agent's seed from SWITCHYARD_NATS_NKEY_SEED_FILE and refuses one that is not a seed", () => {
    const config = loadConfig(baseConfigSchema, { env: { SWITCHYARD_NATS_NKEY_SEED_FILE: join(dir, "assigner.nk") } });
    expect(config.natsNkeySeed).toBe(seedOf("assigner").trim());
    const bad = join(dir, "bad.nk");
    writeFileSync(bad, "not-a-seed\n");
    expect(() => loadConfig(baseConfigSchema, { env: { SWITCHYARD_NATS_NKEY_SEED_FILE: bad } })).toThrow(/natsNkeySeed.*nkey user seed/s);
    // A seed that reaches a log line anyway is scrubbed there.
    expect(scrubSecrets(`connecting with ${seedOf("assigner").trim()}`)).toBe("connecting with [REDACTED]");
  });
});
