import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Lowest port the kernel hands out for `listen(0)` and outgoing connections (Linux default 32768). */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    return low !== undefined && Number.isInteger(low) && low > 2048 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function bindsOn(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A loopback port nothing listens on now, for a process started later that must know its port up front
 * (it is written into another process's config). Chosen at random *below* the kernel's ephemeral range:
 * a port from `listen(0)` is free only until the next `listen(0)` or outgoing connection takes it, and
 * the agents of the same run do both (their HTTP servers bind port 0; every NATS and Redis client is an
 * outgoing connection), which made a child fail to bind a port handed out a second earlier (a bench run
 * died with "sim-runners exited early"). Below the range only another caller of this function can take
 * it, and random choice over ~12,000 ports keeps that rare across parallel test workers.
 */
export async function freePort(options: { host?: string; random?: () => number } = {}): Promise<number> {
  const { host = "127.0.0.1", random = Math.random } = options;
  const high = ephemeralLow() - 1;
  const low = Math.max(1024, high - 12_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await bindsOn(low + Math.floor(random() * (high - low + 1)), host);
    if (port !== undefined) return port;
  }
  const port = await bindsOn(0, host);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return port;
}
