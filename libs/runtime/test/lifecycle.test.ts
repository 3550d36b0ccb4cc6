import { describe, expect, it } from "vitest";
import { createLifecycle, createLogger } from "../src/index.js";

describe("lifecycle", () => {
  it("runs shutdown steps once, in reverse order of registration, even when one fails", async () => {
    const order: string[] = [];
    const lifecycle = createLifecycle({ log: createLogger({ name: "t", level: "silent" }), handleSignals: false });
    lifecycle.onShutdown("nats", () => { order.push("nats"); });
    lifecycle.onShutdown("redis", async () => { order.push("redis"); throw new Error("already closed"); });
    lifecycle.onShutdown("agent", async () => { await new Promise((r) => setImmediate(r)); order.push("agent"); });
    await Promise.all([lifecycle.shutdown("first"), lifecycle.shutdown("second")]);
    expect(order).toEqual(["agent", "redis", "nats"]);
    expect(lifecycle.stopping).toBe(true);
  });
});
