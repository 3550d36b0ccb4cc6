// Redis as an operator should run it (issue 12 item 5): the agents log in as an ACL user that may touch
// only Switchyard's keys, over TLS with a private CA. The whole system runs jobs through it, and Redis's
// own ACL LOG shows it never refused the agents a command or a key. Debian's redis-server is built
// without TLS, so a TLS terminator (node:tls) stands in front of it: the agents' side is real TLS.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer, type Server } from "node:tls";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteStream, freePort, redisAclRule } from "@switchyard/runtime";
import { REPO_ROOT, createTestEnv, startOwnRedis, waitFor, type Collected, type OwnServer, type TestEnv } from "@switchyard/testing";
import type { JobOutcome } from "@switchyard/contracts";
import { startSimulatedSystem, type SimulatedSystem } from "./simulated-system.js";

const JOBS = 40;
const ADMIN_PASSWORD = "admin-pw-for-the-test";
const AGENT_PASSWORD = "agent-pw-for-the-test";
let env: TestEnv;
let dir: string;
let redis: OwnServer;
let tls: Server;
let tlsPort: number;
let tlsConnections = 0;
let system: SimulatedSystem;
let outcomes: Collected;

/** A CA and a certificate for localhost / 127.0.0.1 signed by it, made with openssl. */
function makeCertificates(at: string): void {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: at, stdio: "ignore" });
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=switchyard-test-ca");
  run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  execFileSync("sh", ["-c", "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext"], { cwd: at });
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "san.ext");
}

const admin = () => new Redis(redis.url, { password: ADMIN_PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0 });

beforeAll(async () => {
  env = await createTestEnv("redis-secure");
  dir = mkdtempSync(join(tmpdir(), "switchyard-redis-secure-"));
  makeCertificates(dir);
  redis = await startOwnRedis({
    args: ["--user", "default", "on", `>${ADMIN_PASSWORD}`, "~*", "&*", "+@all", "--user", "switchyard", ...redisAclRule(env.prefix).split(" "), `>${AGENT_PASSWORD}`],
  });
  tlsPort = await freePort();
  tls = createTlsServer({ key: readFileSync(join(dir, "server.key")), cert: readFileSync(join(dir, "server.crt")) }, (client) => {
    tlsConnections++;
    const upstream: Socket = netConnect(redis.port, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => tls.listen(tlsPort, "127.0.0.1", resolve));
  outcomes = env.collect(env.subjects.jobOutcomeAll);
  system = await startSimulatedSystem(env, {
    speed: 100,
    // rediss:// turns TLS on; the private CA comes the way docs/OPERATING.md says: NODE_EXTRA_CA_CERTS.
    agentEnv: { REDIS_URL: `rediss://switchyard:${AGENT_PASSWORD}@localhost:${tlsPort}`, NODE_EXTRA_CA_CERTS: join(dir, "ca.crt") },
  });
  await system.submitJobs(JOBS);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  tls?.close();
  await redis?.close();
  await deleteStream(env.nc, env.subjects.outcomeStream);
  await env.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("Redis with an ACL user over TLS", () => {
  it("runs every job through it, and Redis never refused the agents a command or a key", async () => {
    await waitFor(async () => ((await system.simStats()).success ?? 0) === JOBS, { timeoutMs: 100_000, intervalMs: 500, what: `${JOBS} jobs finished` });
    await outcomes.waitForCount(2 * JOBS, 20_000);
    expect(new Set(outcomes.json<JobOutcome>().filter((o) => o.phase === "finished").map((o) => o.jobId)).size).toBe(JOBS);
    expect(tlsConnections).toBeGreaterThanOrEqual(4); // every agent came in over TLS
    const a = admin();
    await a.connect();
    const denied = (await a.call("ACL", "LOG")) as unknown[];
    const held = await a.keys(`${env.prefix}:*`);
    a.disconnect();
    expect(denied).toEqual([]);
    expect(held.length).toBeGreaterThan(0); // the agents' state is in this Redis, under their prefix
  }, 150_000);

  it("refuses the agents' user any key outside its prefix and the dangerous commands", async () => {
    const agent = new Redis(redis.url, { username: "switchyard", password: AGENT_PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0 });
    await agent.connect();
    await expect(agent.set("someone-else:key", "x")).rejects.toThrow(/NOPERM/);
    await expect(agent.flushall()).rejects.toThrow(/NOPERM/);
    await expect(agent.call("CONFIG", "GET", "dir")).rejects.toThrow(/NOPERM/);
    expect(await agent.set(`${env.prefix}:probe`, "x")).toBe("OK");
    agent.disconnect();
  });

  it("cannot be reached in plain text or with the wrong password", async () => {
    const wrong = new Redis(redis.url, { username: "switchyard", password: "not-it", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const errors: string[] = [];
    wrong.on("error", (err: Error) => errors.push(err.message));
    await expect(wrong.connect()).rejects.toThrow();
    expect(errors.join(" ")).toMatch(/WRONGPASS/);
    wrong.disconnect();
    const plain = new Redis(`redis://switchyard:${AGENT_PASSWORD}@127.0.0.1:${tlsPort}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
    plain.on("error", () => undefined);
    await expect(plain.connect()).rejects.toThrow();
    plain.disconnect();
  });
});

describe("the ACL rule in docs/OPERATING.md", () => {
  it("is the one the agents are tested with, for the default prefix", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs/OPERATING.md"), "utf8");
    expect(doc).toContain(`ACL SETUSER switchyard ${redisAclRule("switchyard")} >PASSWORD`);
  });
});
