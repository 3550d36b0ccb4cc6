import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const runtime = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** Runs a script in a fresh Node process (the guard installs process-wide handlers) and returns its output. */
function run(script: string): { status: number | null; stdout: string } {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", `
    import { createLogger, installProcessGuard } from ${JSON.stringify(runtime)};
    import { Registry } from "prom-client";
    const registry = new Registry();
    const log = createLogger({ name: "guard", level: "silent" });
    const guard = installProcessGuard({ log, registry, onFatal: (err) => { console.log("fatal:" + err.message); process.exit(1); } });
    const value = async (name) => (await registry.getSingleMetric(name).get()).values.map((v) => JSON.stringify(v.labels) + "=" + v.value).join(" ");
    ${script}
  `], { cwd: fileURLToPath(new URL("..", import.meta.url)), encoding: "utf8", timeout: 15_000 });
  return { status: result.status, stdout: result.stdout };
}

describe("process guard", () => {
  it("counts an unhandled rejection and keeps the process running", () => {
    const { status, stdout } = run(`
      Promise.reject(new Error("MaxRetriesPerRequestError"));
      setTimeout(async () => { console.log(await value("switchyard_unhandled_errors_total")); console.log("still up"); }, 50);
    `);
    expect(status).toBe(0);
    expect(stdout).toContain('{"kind":"rejection"}=1');
    expect(stdout).toContain("still up");
  });

  it("counts background failures per task without rethrowing", () => {
    const { status, stdout } = run(`
      for (let i = 0; i < 3; i++) Promise.reject(new Error("redis down")).catch(guard.background("unmark polling"));
      setTimeout(async () => { console.log(await value("switchyard_background_failures_total")); console.log(await value("switchyard_unhandled_errors_total")); }, 50);
    `);
    expect(status).toBe(0);
    expect(stdout).toContain('{"task":"unmark polling"}=3');
    expect(stdout).toContain('{"kind":"rejection"}=0');
  });

  it("hands an uncaught exception to onFatal, which shuts the process down", () => {
    const { status, stdout } = run(`setTimeout(() => { throw new Error("invariant broken"); }, 10);`);
    expect(status).toBe(1);
    expect(stdout).toContain("fatal:invariant broken");
  });
});
