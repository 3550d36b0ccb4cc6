import type { NatsUserPermissions } from "@switchyard/contracts";

/**
 * How nats-server knows a user: a password as a literal (npm start's own server) or an environment
 * variable, or an nkey: its public key (`U...`), the seed staying with the agent.
 */
export type NatsPasswordSource = { literal: string } | { variable: string } | { nkey: string };

/** Environment variable that holds a user's password in compose and Kubernetes: `SWITCHYARD_NATS_PASSWORD_ASSIGNER`. */
export function natsPasswordVariable(user: string): string {
  return `SWITCHYARD_NATS_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** One `authorization.users` entry as plain data (the Helm chart's `config.merge` takes this shape). */
export interface NatsUserEntry {
  user: string;
  password: string;
  permissions: {
    publish: { allow: string[] };
    subscribe: { allow: string[] };
    allow_responses?: boolean;
  };
}

/**
 * The users of the permission table as nats-server entries. `password` maps a user to the text
 * that goes in its password field; the caller decides the syntax (see the two renderers below).
 */
export function natsUserEntries(table: Record<string, NatsUserPermissions>, password: (user: string) => string): NatsUserEntry[] {
  return Object.entries(table).map(([user, perms]) => ({
    user,
    password: password(user),
    permissions: {
      publish: { allow: [...perms.publish] },
      subscribe: { allow: [...perms.subscribe] },
      ...(perms.allowResponses ? { allow_responses: true } : {}),
    },
  }));
}

/**
 * The `authorization { users = [...] }` block of a nats-server config file. Subjects are quoted
 * so `$JS.API...` is a subject, not a variable reference; a `{ variable }` password is left bare
 * so the server reads it from its environment at start-up (and refuses to start without it).
 */
export function renderNatsAuthorization(table: Record<string, NatsUserPermissions>, password: (user: string) => NatsPasswordSource): string {
  const sources = new Map(Object.keys(table).map((user) => [user, password(user)]));
  const entries = natsUserEntries(table, (user) => {
    const source = sources.get(user) as NatsPasswordSource;
    return "literal" in source ? JSON.stringify(source.literal) : "variable" in source ? `$${source.variable}` : "";
  });
  const list = (subjects: string[]) => `[\n${subjects.map((s) => `          ${JSON.stringify(s)}`).join(",\n")}\n        ]`;
  const users = entries.map((e) => {
    const source = sources.get(e.user) as NatsPasswordSource;
    // An nkey user has no name on the server: the public key is who it is (the table's name stays a comment).
    const who = "nkey" in source
      ? [`      # ${e.user}`, `      nkey: ${JSON.stringify(source.nkey)}`]
      : [`      user: ${JSON.stringify(e.user)}`, `      password: ${e.password}`];
    return [
      "    {",
      ...who,
      "      permissions: {",
      `        publish: { allow: ${list(e.permissions.publish.allow)} }`,
      `        subscribe: { allow: ${list(e.permissions.subscribe.allow)} }`,
      ...(e.permissions.allow_responses ? ["        allow_responses: true"] : []),
      "      }",
      "    }",
    ].join("\n");
  });
  return `authorization {\n  users: [\n${users.join(",\n")}\n  ]\n}\n`;
}
