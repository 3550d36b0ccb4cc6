import { connect, nkeyAuthenticator, nkeys, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { inboxPrefixOf } from "@switchyard/contracts";

export type { Msg, NatsConnection } from "@nats-io/transport-node";

/**
 * How an agent proves who it is beyond the URL: an nkey user's seed (the server holds only its public
 * key) and the permission-table user it stands for, whose inbox it may read.
 */
export interface NatsIdentity {
  nkeySeed?: string;
  user?: string;
}

/** A fresh nkey user: the seed its agent keeps secret, the public key nats-server's config holds. */
export function createNkeyUser(): { seed: string; publicKey: string } {
  const pair = nkeys.createUser();
  return { seed: new TextDecoder().decode(pair.getSeed()), publicKey: pair.getPublicKey() };
}

/** Connects to NATS and keeps reconnecting forever; status changes are logged. */
export async function connectNats(url: string, name: string, log: Logger, identity: NatsIdentity = {}): Promise<NatsConnection> {
  const server = natsServerOptions(url);
  const seed = identity.nkeySeed ? new TextEncoder().encode(identity.nkeySeed.trim()) : null;
  const nc = await connect({
    ...server,
    ...(seed ? { authenticator: nkeyAuthenticator(seed) } : {}),
    // Replies come to this user's own inbox, the only one its NATS permissions let it read.
    inboxPrefix: inboxPrefixOf(server.user ?? (seed ? identity.user : undefined)),
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
