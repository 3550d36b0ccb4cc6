import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createExecProvisioner } from "../src/provisioning/exec-provisioner.js";
import { createLocalSimProvisioner } from "../src/provisioning/local-sim-provisioner.js";
import { loadModuleProvisioner } from "../src/provisioning/module-provisioner.js";
import { ProvisionerError, type Provisioner } from "../src/provisioning/provisioner.js";

const HERE = import.meta.dirname;
const SCRIPT = resolve(HERE, "../examples/provisioner.sh");
const BAD = resolve(HERE, "fixtures/bad-provisioner.sh");

/** The behaviour every provisioner must show, whichever way it is plugged in. */
function provisionerContract(name: string, make: () => Promise<Provisioner>, owner: string): void {
  describe(`${name} honours the provisioner contract`, () => {
    let p: Provisioner;
    beforeAll(async () => { p = await make(); });

    it("creates machines that list under their pool with their owner", async () => {
      const a = await p.create("linux");
      const b = await p.create("linux");
      const c = await p.create("windows");
      expect(new Set([a.id, b.id, c.id]).size).toBe(3);
      const linux = await p.list("linux");
      expect(linux.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
      for (const m of linux) expect(m).toMatchObject({ pool: "linux", owner, state: "running" });
      expect((await p.list("windows")).map((m) => m.id)).toEqual([c.id]);
    });

    it("reports one machine's status and forgets it once destroyed", async () => {
      const { id } = await p.create("linux");
      expect(await p.status(id)).toMatchObject({ id, pool: "linux", owner });
      await p.destroy(id);
      expect((await p.list("linux")).map((m) => m.id)).not.toContain(id);
      await expect(p.status(id)).rejects.toThrow(/not found/);
    });
  });
}

describe("provisioners", () => {
  let env: TestEnv;
  let dir: string;
  const started = vi.fn();
  const stopped = vi.fn();

  beforeAll(async () => {
    env = await createTestEnv("provisioners");
    dir = mkdtempSync(join(tmpdir(), "provisioner-"));
  });
  afterAll(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  provisionerContract("the example shell script through ExecProvisioner",
    async () => createExecProvisioner({ command: SCRIPT, owner: "opt-exec", timeoutMs: 10_000, env: { PROVISIONER_STATE: join(dir, "state.json") } }), "opt-exec");
  provisionerContract("a module loaded by path",
    () => loadModuleProvisioner(resolve(HERE, "fixtures/memory-provisioner.mjs"), "createProvisioner", "opt-module"), "opt-module");
  provisionerContract("the local simulated provisioner",
    async () => createLocalSimProvisioner({ redis: env.redis, keys: env.keys, owner: "opt-local", onStart: started, onStop: stopped }), "opt-local");

  it("calls the local provisioner's start and stop callbacks with the machine", async () => {
    const p = createLocalSimProvisioner({ redis: env.redis, keys: env.keys, owner: "opt-cb", onStart: started, onStop: stopped });
    started.mockClear();
    stopped.mockClear();
    const { id } = await p.create("macos");
    expect(started).toHaveBeenCalledWith(expect.objectContaining({ id, pool: "macos", owner: "opt-cb" }));
    await p.destroy(id);
    expect(stopped).toHaveBeenCalledWith(expect.objectContaining({ id }));
    expect(JSON.parse((await env.redis.hget(env.keys.machines("macos"), id)) ?? "null")).toBeNull();
  });

  it("refuses a module export that is not a provisioner, naming what is missing", async () => {
    await expect(loadModuleProvisioner(resolve(HERE, "fixtures/memory-provisioner.mjs"), "notAProvisioner", "o"))
      .rejects.toThrow(/missing list, status, destroy/);
  });

  it.each([
    ["garbage", "create", /stdout is not JSON/],
    ["wrong-shape", "list", /expected \{"machines": \[\.\.\.\]\}/],
    ["bad-machine", "list", /id must match.*pool must be.*state must be one of.*createdAt/],
    ["fail", "create", /quota exceeded for project/],
  ] as const)("reports a clear error when the executable answers %s", async (mode, op, message) => {
    const p = createExecProvisioner({ command: BAD, owner: "o", timeoutMs: 5_000, env: { MODE: mode } });
    const call = op === "create" ? p.create("linux") : p.list("linux");
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionerError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(new RegExp(`^provisioner ${op}:`));
  });

  it("kills an executable that does not answer within its timeout", async () => {
    const p = createExecProvisioner({ command: BAD, owner: "o", timeoutMs: 300, env: { MODE: "hang" } });
    const err = await p.create("linux").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "PROVISIONER_TIMEOUT", retryable: true });
  });

  it("reports an executable that cannot be started", async () => {
    const p = createExecProvisioner({ command: join(dir, "missing.sh"), owner: "o" });
    await expect(p.create("linux")).rejects.toThrow(/cannot run .*missing\.sh/);
  });
});
