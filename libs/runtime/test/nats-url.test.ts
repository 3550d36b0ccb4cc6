import { describe, expect, it } from "vitest";
import { natsServerOptions } from "../src/index.js";

describe("natsServerOptions", () => {
  it("keeps a URL without credentials as it is", () => {
    expect(natsServerOptions("nats://a:4222, nats://b:4222")).toEqual({ servers: ["nats://a:4222", "nats://b:4222"] });
  });

  it("turns user:password@ into user/pass options, decoded, and strips them from every server", () => {
    expect(natsServerOptions("nats://switchyard:p%40ss@nats-0:4222,nats://switchyard:p%40ss@nats-1:4222")).toEqual({
      servers: ["nats://nats-0:4222", "nats://nats-1:4222"], user: "switchyard", pass: "p@ss",
    });
  });
});
