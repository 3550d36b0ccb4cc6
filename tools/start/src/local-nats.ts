import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsPermissions, type NatsPermissionOptions } from "@switchyard/contracts";
import { freePort, natsServerOptions, renderNatsAuthorization } from "@switchyard/runtime";
import { canConnect, HOW_TO_INSTALL, onPath, stopChild, waitForPort, type LocalService } from "./local-services.js";

/** The NATS the demo uses; `urlFor` gives each process the URL of its own NATS user. */
export interface LocalNats extends LocalService {
  /** False when it runs without users (an explicit NATS_URL, or an unauthenticated server found on 4222). */
  readonly authenticated: boolean;
  /** URL with the user's credentials; without users, the one URL everybody shares. */
  urlFor(user: string): string;
}

export interface AuthNatsOptions extends NatsPermissionOptions {
  /** Subject prefix the permission table is built for. */
  prefix: string;
  /** nats-server's log file. */
  logFile?: string;
}

/**
 * Starts nats-server with JetStream on a free loopback port, with one user per agent (random
 * passwords, in a 0600 config file in a throw-away directory) holding the rights of the
 * permission table for `prefix`. Stopping it removes the directory.
 */
export async function startAuthNats(options: AuthNatsOptions): Promise<LocalNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-nats-"));
  const table = natsPermissions(options.prefix, options);
  const passwords = new Map(Object.keys(table).map((user) => [user, randomBytes(24).toString("hex")]));
  const configFile = join(dir, "nats.conf");
  writeFileSync(configFile, [
    "host: 127.0.0.1",
    `port: ${port}`,
    `jetstream { store_dir: ${JSON.stringify(join(dir, "jetstream"))} }`,
    renderNatsAuthorization(table, (user) => ({ literal: passwords.get(user) as string })),
  ].join("\n"), { mode: 0o600 });
  const child = spawn("nats-server", ["-c", configFile, ...(options.logFile ? ["-l", options.logFile] : [])], { stdio: "ignore" });
  await waitForPort(port, child, "nats-server");
  const url = `nats://127.0.0.1:${port}`;
  return {
    url,
    startedHere: true,
    authenticated: true,
    urlFor(user) {
      const password = passwords.get(user);
      if (!password) throw new Error(`no NATS user "${user}" (users: ${[...passwords.keys()].join(", ")})`);
      return `nats://${user}:${password}@127.0.0.1:${port}`;
    },
    stop: stopChild(child, dir),
  };
}

/**
 * NATS for `npm start`. An explicit `NATS_URL` is used as given (every process shares it). Without
 * one, npm start runs its own nats-server with a user per agent, even when another NATS answers
 * on 4222: that one has none of Switchyard's users. Only when nats-server is not installed does it
 * fall back to an unauthenticated NATS on 127.0.0.1:4222, and says so (`warn`).
 */
export async function findOrStartNats(url: string | undefined, options: AuthNatsOptions & { warn: (line: string) => void }): Promise<LocalNats> {
  const shared = (u: string, startedHere = false): LocalNats => ({ url: u, startedHere, authenticated: false, urlFor: () => u, stop: async () => undefined });
  if (url) {
    // A comma-separated cluster list, as the agents accept, is passed on whole once any server answers.
    const servers = natsServerOptions(url).servers.map((s) => new URL(/^[a-z]+:\/\//i.test(s) ? s : `nats://${s}`));
    for (const target of servers) if (await canConnect(target.hostname, Number(target.port || 4222))) return shared(url);
    throw new Error(`no NATS server of ${servers.map((s) => s.host).join(", ")} answers`);
  }
  if (onPath("nats-server")) return startAuthNats(options);
  if (await canConnect("127.0.0.1", 4222)) {
    options.warn("nats-server is not installed: using the NATS on 127.0.0.1:4222 WITHOUT authentication (every process may publish anywhere)");
    return shared("nats://127.0.0.1:4222");
  }
  throw new Error(`no NATS answers on 127.0.0.1:4222 and nats-server is not installed: ${HOW_TO_INSTALL}`);
}
