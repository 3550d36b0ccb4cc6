import { spawn } from "node:child_process";
import { parseMachine, ProvisionerError, ProvisionerErrorCode, type Machine, type Provisioner } from "./provisioner.js";

/** How to run an executable provisioner. */
export interface ExecProvisionerOptions {
  command: string;
  args?: readonly string[];
  /** Written into every request; machines it creates carry this owner. */
  owner: string;
  timeoutMs?: number;
  /** Extra environment for the executable (merged over PATH and HOME only). */
  env?: Readonly<Record<string, string>>;
}

const MAX_OUTPUT = 1_000_000;

/**
 * A provisioner that is an executable: one process per call, one JSON request on stdin
 * (`{"op":"create","pool":"linux","owner":"optimizer-1"}`), one JSON answer on stdout:
 * create → `{"id"}`, list → `{"machines":[Machine...]}`, status → Machine, destroy → `{}`.
 * A non-zero exit is a failure whose stderr is the reason.
 */
export function createExecProvisioner(options: ExecProvisionerOptions): Provisioner {
  const timeoutMs = options.timeoutMs ?? 30_000;

  function call(request: Record<string, unknown>): Promise<unknown> {
    const op = String(request.op);
    return new Promise((resolve, reject) => {
      const child = spawn(options.command, [...(options.args ?? [])], {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
        detached: true, // own process group: a timeout kills the script and whatever it started
      });
      let stdout = "";
      let stderr = "";
      let settled = false;
      const finish = (err: Error | null, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err); else resolve(value);
      };
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
        finish(new ProvisionerError(ProvisionerErrorCode.timeout, op, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      child.stdout.on("data", (c: Buffer) => { if (stdout.length < MAX_OUTPUT) stdout += c.toString(); });
      child.stderr.on("data", (c: Buffer) => { if (stderr.length < MAX_OUTPUT) stderr += c.toString(); });
      child.on("error", (cause) => finish(new ProvisionerError(ProvisionerErrorCode.failed, op, `cannot run ${options.command}: ${cause.message}`, { cause })));
      child.on("close", (code, signal) => {
        if (code !== 0) {
          const reason = stderr.trim().slice(-500) || `exited with ${signal ?? code}`;
          const notFound = /not found/i.test(reason) && (op === "status" || op === "destroy");
          return finish(new ProvisionerError(notFound ? ProvisionerErrorCode.notFound : ProvisionerErrorCode.failed, op, reason));
        }
        try {
          finish(null, JSON.parse(stdout.trim() || "{}"));
        } catch (cause) {
          finish(new ProvisionerError(ProvisionerErrorCode.badOutput, op, `stdout is not JSON: ${JSON.stringify(stdout.slice(0, 200))}`, { cause }));
        }
      });
      child.stdin.on("error", () => undefined); // the script may exit without reading stdin
      child.stdin.end(JSON.stringify(request));
    });
  }

  return {
    async create(pool) {
      const out = (await call({ op: "create", pool, owner: options.owner })) as { id?: unknown } | null;
      if (!out || typeof out.id !== "string" || out.id === "") {
        throw new ProvisionerError(ProvisionerErrorCode.badOutput, "create", `expected {"id": string}, got ${JSON.stringify(out).slice(0, 200)}`);
      }
      return { id: out.id };
    },
    async list(pool) {
      const out = (await call({ op: "list", pool, owner: options.owner })) as { machines?: unknown } | null;
      if (!out || !Array.isArray(out.machines)) {
        throw new ProvisionerError(ProvisionerErrorCode.badOutput, "list", `expected {"machines": [...]}, got ${JSON.stringify(out).slice(0, 200)}`);
      }
      return out.machines.map((m): Machine => parseMachine("list", m));
    },
    async status(id) {
      return parseMachine("status", await call({ op: "status", id, owner: options.owner }));
    },
    async destroy(id) {
      await call({ op: "destroy", id, owner: options.owner });
    },
  };
}
