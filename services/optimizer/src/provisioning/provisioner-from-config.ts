import type { RedisKeys } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ProvisionerConfig } from "../capacity/autoscaling-config.js";
import { createExecProvisioner } from "./exec-provisioner.js";
import { createLocalSimProvisioner, type MachineCallback } from "./local-sim-provisioner.js";
import { loadModuleProvisioner } from "./module-provisioner.js";
import type { Provisioner } from "./provisioner.js";

/** Builds the configured provisioner; the local one calls `onStart`/`onStop` (default: log only). */
export async function provisionerFromConfig(deps: {
  config: ProvisionerConfig;
  owner: string;
  redis: Redis;
  keys: RedisKeys;
  log: Logger;
  onStart?: MachineCallback;
  onStop?: MachineCallback;
}): Promise<Provisioner> {
  const c = deps.config;
  switch (c.kind) {
    case "local":
      return createLocalSimProvisioner({
        redis: deps.redis, keys: deps.keys, owner: deps.owner,
        onStart: deps.onStart ?? ((m) => deps.log.info({ machine: m.id, pool: m.pool }, "simulated machine started")),
        onStop: deps.onStop ?? ((m) => deps.log.info({ machine: m.id, pool: m.pool }, "simulated machine stopped")),
      });
    case "exec":
      return createExecProvisioner({ command: c.command, args: c.args, timeoutMs: c.timeoutMs, env: c.env, owner: deps.owner });
    case "module":
      return loadModuleProvisioner(c.module, c.export, deps.owner);
  }
}
