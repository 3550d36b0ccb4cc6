import { readFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "@switchyard/runtime";

const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);

describe("freePort", () => {
  it("hands out a bindable port below the kernel's ephemeral range, where listen(0) and outgoing connections never land", async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow);
    // Outgoing connections and listen(0) take ephemeral ports only; none of them is one of ours.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const listened = typeof address === "object" && address ? address.port : 0;
    const socket = new Socket();
    await new Promise<void>((resolve) => socket.connect(listened, "127.0.0.1", resolve));
    expect(listened).toBeGreaterThanOrEqual(ephemeralLow);
    expect(socket.localPort).toBeGreaterThanOrEqual(ephemeralLow);
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    // And each is really free: a server binds it.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => { probe.once("error", reject); probe.listen(ports[0], "127.0.0.1", resolve); });
    await new Promise((resolve) => probe.close(resolve));
  });

  it("skips a port something already listens on and tries another", async () => {
    // The same draw twice: the first candidate is held by a server, so the second draw must be used.
    const draws = [0.25, 0.25, 0.75];
    const sameDraws = () => { let i = 0; return () => draws[i++] ?? 0.5; };
    const taken = await freePort({ random: sameDraws() });
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(taken, "127.0.0.1", resolve));
    const next = await freePort({ random: sameDraws() });
    expect(next).not.toBe(taken);
    expect(next).toBeLessThan(ephemeralLow);
    await new Promise((resolve) => holder.close(resolve));
  });
});
