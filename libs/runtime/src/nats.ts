import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { inboxPrefixOf } from "@switchyard/contracts";

export type { Msg, NatsConnection } from "@nats-io/transport-node";

/** Connects to NATS and keeps reconnecting forever; status changes are logged. */
export async function connectNats(url: string, name: string, log: Logger): Promise<NatsConnection> {
  const server = natsServerOptions(url);
  const nc = await connect({
    ...server,
    // Replies come to this user's own inbox, the only one its NATS permissions let it read.
    inboxPrefix: inboxPrefixOf(server.user),
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

/**
 * Server list of a comma-separated NATS URL. nats.js ignores `user:password@` in a URL, so
 * credentials in the URL (Compose and Kubernetes keep the whole URL in a secret file) become
 * its user/pass options and are taken out of the server list.
 */
export function natsServerOptions(url: string): { servers: string[]; user?: string; pass?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = url.split(",").map((s) => s.trim()).filter(Boolean).map((server) => {
    const match = /^([a-z]+:\/\/)?([^@/]*)@(.*)$/i.exec(server);
    if (!match) return server;
    const [name, password = ""] = (match[2] ?? "").split(":");
    user ??= decodeURIComponent(name ?? "");
    pass ??= decodeURIComponent(password);
    return `${match[1] ?? ""}${match[3] ?? ""}`;
  });
  return user ? { servers, user, pass } : { servers };
}

/**
 * Whether the connection is up now: false from a `disconnect` until the next `reconnect`, and once
 * closed. Feeds /readyz.
 */
export function natsConnectionState(nc: NatsConnection, onError: (err: unknown) => void): () => boolean {
  let connected = true;
  (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") connected = false;
      else if (status.type === "reconnect") connected = true;
    }
  })().catch(onError);
  return () => connected && !nc.isClosed();
}
