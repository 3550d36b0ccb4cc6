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

describe("bus plausibility", () => {
  it("refuses a message its sender dated in the future (beyond the clock skew), counted and dead-lettered; a small skew passes", async () => {
    const metrics = createMetrics("test");
    const now = 1_800_000_000_000;
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "test", log: createLogger({ name: "t", level: "silent" }), metrics, now: () => now, maxClockSkewMs: 60_000 });
    const received: Heartbeat[] = [];
    let gotValid!: () => void;
    const valid = new Promise<void>((r) => { gotValid = r; });
    bus.subscribe(contracts.heartbeat, env.subjects.heartbeatAll, (h) => { received.push(h); if (h.instanceId === "skewed-a-little") gotValid(); });
    const dead = env.collect(env.subjects.deadLetterAll);
    // A forged heartbeat an hour ahead would keep the watchdog believing a dead assigner lives.
    env.nc.publish(env.subjects.heartbeat("assigner"), JSON.stringify({ v: 1, agent: "assigner", instanceId: "forged", ready: true, at: now + 3_600_000 }));
    env.nc.publish(env.subjects.heartbeat("assigner"), JSON.stringify({ v: 1, agent: "assigner", instanceId: "skewed-a-little", ready: true, at: now + 5_000 }));
    await Promise.all([dead.waitForCount(1), valid]);
    expect(received.map((h) => h.instanceId)).toEqual(["skewed-a-little"]);
    expect(dead.json<DeadLetter>()[0]?.reason).toMatch(/implausible: at lies in the future/);
    const counter = await metrics.invalidMessages.get();
    expect(counter.values.find((v) => v.labels.contract === "heartbeat")?.value).toBe(1);
  });

  it("applies a subscriber's own plausibility rule", async () => {
    const metrics = createMetrics("test");
    const bus = createBus({ nc: env.nc, prefix: env.prefix, agent: "test", log: createLogger({ name: "t", level: "silent" }), metrics });
    const got: string[] = [];
    let last!: () => void;
    const done = new Promise<void>((r) => { last = r; });
    bus.subscribe(contracts.heartbeat, env.subjects.heartbeatAll, (h) => { got.push(h.instanceId); if (h.instanceId === "b") last(); },
      { plausible: (h) => (h.instanceId === "a" ? "a is not welcome" : null) });
    const dead = env.collect(env.subjects.deadLetterAll);
    for (const id of ["a", "b"]) bus.publish(contracts.heartbeat, env.subjects.heartbeat("scorer"), { v: 1, agent: "scorer", instanceId: id, ready: true, at: Date.now() });
    await Promise.all([done, dead.waitForCount(1)]);
    expect(got).toEqual(["b"]);
    expect(dead.json<DeadLetter>()[0]?.reason).toBe("implausible: a is not welcome");
  });
});
