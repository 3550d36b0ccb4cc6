import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contracts, type DeadLetter, type Heartbeat } from "@switchyard/contracts";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createBus, createLogger, createMetrics } from "../src/index.js";

let env: TestEnv;
beforeEach(async () => { env = await createTestEnv("bus"); });
afterEach(async () => { await env.close(); });

describe("bus", () => {
  it("delivers valid payloads and dead-letters invalid ones without stopping", async () => {
    const metrics = createMetrics("test");
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "test", log: createLogger({ name: "t", level: "silent" }), metrics });
    const received: Heartbeat[] = [];
    let gotValid!: () => void;
    const valid = new Promise<void>((r) => { gotValid = r; });
    bus.subscribe(contracts.heartbeat, env.subjects.heartbeatAll, (h) => { received.push(h); gotValid(); });
    const dead = env.collect(env.subjects.deadLetterAll);
    env.nc.publish(env.subjects.heartbeat("scorer"), JSON.stringify({ v: 1, agent: "scorer", instanceId: "x" }));
    env.nc.publish(env.subjects.heartbeat("scorer"), "not json at all");
    bus.publish(contracts.heartbeat, env.subjects.heartbeat("scorer"), { v: 1, agent: "scorer", instanceId: "ok", ready: true, at: 1 });
    await Promise.all([dead.waitForCount(2), valid]);
    const letters = dead.json<DeadLetter>();
    expect(letters[0]?.contract).toBe("heartbeat");
    expect(letters[0]?.reason).toMatch(/ready|at/);
    expect(letters[1]?.reason).toMatch(/not JSON/);
    expect(letters[1]?.payload).toBe("not json at all");
    expect(received.map((h) => h.instanceId)).toEqual(["ok"]);
    const counter = await metrics.invalidMessages.get();
    expect(counter.values.find((v) => v.labels.contract === "heartbeat")?.value).toBe(2);
  });

  it("counts violations of a contract from 0 as soon as it is subscribed, before any message", async () => {
    const metrics = createMetrics("test");
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "test", log: createLogger({ name: "t", level: "silent" }), metrics });
    const sub = bus.subscribe(contracts.decision, env.subjects.decisionAll, () => undefined);
    const counter = await metrics.invalidMessages.get();
    expect(counter.values).toEqual([{ labels: { contract: "decision", agent: "test" }, value: 0 }]);
    sub.unsubscribe();
  });

  it("refuses to publish a payload that breaks its own contract", () => {
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "test", log: createLogger({ name: "t", level: "silent" }), metrics: createMetrics("test") });
    expect(() => bus.publish(contracts.heartbeat, env.subjects.heartbeat("scorer"), { v: 1 } as never)).toThrow(/heartbeat/);
  });
});
