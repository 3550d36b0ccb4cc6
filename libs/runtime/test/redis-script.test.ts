import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { startOwnRedis, type OwnServer } from "@switchyard/testing";
import { runScript } from "../src/index.js";

// Its own server: the test empties that server's script cache (SCRIPT FLUSH), as a restart or a promoted
// replica would, which must never be done to the shared Redis.
let server: OwnServer;
let redis: Redis;
beforeAll(async () => { server = await startOwnRedis(); redis = new Redis(server.port, "127.0.0.1"); });
afterAll(async () => { redis.disconnect(); await server.close(); });

function sentNames(client: Redis): string[] {
  const names: string[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    names.push(command.name);
    return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as Redis["sendCommand"];
  return names;
}

describe("runScript", () => {
  it("sends a script's text once, then only its SHA, and again after the server lost it", async () => {
    const script = `-- ${randomBytes(8).toString("hex")}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`;
    const client = redis.duplicate();
    await client.ping(); // connected: what follows is only what runScript sends
    const names = sentNames(client);
    expect(await runScript(client, script, 1, "rs:counter", 2)).toBe(2);
    expect(await runScript(client, script, 1, "rs:counter", 3)).toBe(5);
    expect(names).toEqual(["evalsha", "eval", "evalsha"]);
    await redis.script("FLUSH");
    expect(await runScript(client, script, 1, "rs:counter", 1)).toBe(6);
    expect(names.slice(3)).toEqual(["evalsha", "eval"]);
    client.disconnect();
  });

  it("passes a script's own error through", async () => {
    await expect(runScript(redis, "return redis.error_reply('BROKEN nope')", 0)).rejects.toThrow(/BROKEN nope/);
  });
});
