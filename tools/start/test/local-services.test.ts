import { describe, expect, it } from "vitest";
import { connectNats, createLogger, freePort } from "@switchyard/runtime";
import { TEST_NATS_URL } from "@switchyard/testing";
import { findOrStartNats } from "../src/local-nats.js";

const options = { prefix: "t_localservices", warn: () => undefined };

const log = createLogger({ name: "local-services-test", level: "silent" });

describe("npm start's NATS lookup", () => {
  it("accepts a comma-separated NATS_URL, passes the whole list on, and the agents' client connects with it", async () => {
    const dead = `nats://127.0.0.1:${await freePort()}`;
    const url = `${dead}, ${TEST_NATS_URL}`;
    const nats = await findOrStartNats(url, options);
    expect(nats).toMatchObject({ url, startedHere: false });
    const nc = await connectNats(nats.url, "local-services-test", log);
    expect(nc.isClosed()).toBe(false);
    await nc.close();
  });

  it("names every server when none of a given list answers, instead of starting its own", async () => {
    const [a, b] = [await freePort(), await freePort()];
    await expect(findOrStartNats(`nats://127.0.0.1:${a},nats://user:secret@127.0.0.1:${b}`, options))
      .rejects.toThrow(`no NATS server of 127.0.0.1:${a}, 127.0.0.1:${b} answers`);
  });
});
