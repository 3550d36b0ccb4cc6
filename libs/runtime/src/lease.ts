import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/** An exclusive, expiring right to act (e.g. on one pool); held by at most one holder at a time. */
export interface Lease {
  readonly key: string;
  readonly token: string;
  /** Acquires the lease or renews it if already held; false when someone else holds it. */
  ensure(): Promise<boolean>;
  /** Whether this holder held the lease at its last ensure(). */
  held(): boolean;
  /** Deletes the lease only if this holder still owns it. */
  release(): Promise<void>;
}

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** A Redis lease: SET NX PX with a random token, renewal and release by compare-and-set Lua. */
export function createLease(deps: { redis: Redis; key: string; ttlMs: number; holder: string }): Lease {
  const token = `${deps.holder}:${randomBytes(8).toString("hex")}`;
  let isHeld = false;
  return {
    key: deps.key,
    token,
    async ensure() {
      if (isHeld) {
        isHeld = (await deps.redis.eval(RENEW, 1, deps.key, token, deps.ttlMs)) === 1;
        if (isHeld) return true;
      }
      isHeld = (await deps.redis.set(deps.key, token, "PX", deps.ttlMs, "NX")) === "OK";
      return isHeld;
    },
    held: () => isHeld,
    async release() {
      if (!isHeld) return;
      isHeld = false;
      await deps.redis.eval(RELEASE, 1, deps.key, token);
    },
  };
}
