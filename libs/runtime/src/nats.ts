import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

export type { NatsConnection } from "@nats-io/transport-node";

/** Connects to NATS and keeps reconnecting forever; status changes are logged. */
export async function connectNats(url: string, name: string, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(",").map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 5_000,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect" || status.type === "reconnect" || status.type === "error") {
        log.warn({ nats: status.type, server: "server" in status ? status.server : undefined }, `nats ${status.type}`);
      }
    }
  })().catch(() => undefined);
  return nc;
}
