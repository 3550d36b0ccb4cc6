import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** SHA1 of each script text: a memo of a pure function, the same for every client. */
const shaOf = new Map<string, string>();

/**
 * Runs a Lua script by its SHA1 (EVALSHA), sending the text only when the server does not have it yet
 * (NOSCRIPT: first use, a restarted server, a replica just promoted by a failover). EVAL sends the whole
 * script every time: under the bench, writing those strings to the socket was 13% of the assigner's CPU.
 */
export async function runScript(redis: Redis, script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
  let sha = shaOf.get(script);
  if (sha === undefined) {
    sha = createHash("sha1").update(script).digest("hex");
    shaOf.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, numKeys, ...args);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("NOSCRIPT")) return redis.eval(script, numKeys, ...args);
    throw err;
  }
}
