import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisKeys } from "@switchyard/runtime";
import { parseMachine, ProvisionerError, ProvisionerErrorCode, type Machine, type Provisioner } from "./provisioner.js";

/** Called when a simulated machine should start or stop its runner (the demo starts simulated runners). */
export type MachineCallback = (machine: Machine) => void | Promise<void>;

/** A provisioner with no cloud: machines are records in Redis (`keys.machines(pool)`), shared by every optimizer. */
export function createLocalSimProvisioner(deps: {
  redis: Redis;
  keys: RedisKeys;
  owner: string;
  onStart?: MachineCallback;
  onStop?: MachineCallback;
  now?: () => number;
}): Provisioner {
  const now = deps.now ?? Date.now;

  async function find(id: string): Promise<Machine | null> {
    const pools = await deps.redis.smembers(deps.keys.machinePools);
    for (const pool of pools) {
      const raw = await deps.redis.hget(deps.keys.machines(pool), id);
      if (raw) return parseMachine("status", JSON.parse(raw));
    }
    return null;
  }

  return {
    async create(pool) {
      const machine: Machine = { id: `sim-${pool}-${randomBytes(4).toString("hex")}`, pool, owner: deps.owner, state: "running", createdAt: now(), jobsRun: 0 };
      await deps.redis.multi().sadd(deps.keys.machinePools, pool).hset(deps.keys.machines(pool), machine.id, JSON.stringify(machine)).exec();
      await deps.onStart?.(machine);
      return { id: machine.id };
    },
    async list(pool) {
      const all = await deps.redis.hvals(deps.keys.machines(pool));
      return all.map((raw) => parseMachine("list", JSON.parse(raw)));
    },
    async status(id) {
      const machine = await find(id);
      if (!machine) throw new ProvisionerError(ProvisionerErrorCode.notFound, "status", `machine ${id} not found`);
      return machine;
    },
    async destroy(id) {
      const machine = await find(id);
      if (!machine) return; // already gone: destroy is idempotent
      await deps.onStop?.(machine);
      await deps.redis.hdel(deps.keys.machines(machine.pool), id);
    },
  };
}
