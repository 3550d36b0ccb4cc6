// Every subject of the permission table against every user (issue 12 item 6): a user without the right
// to publish on a subject, or to subscribe to it, is refused by nats-server itself. The rows come from
// libs/contracts/src/nats-permissions.ts, so a subject added there is covered here without a new line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { natsPermissions } from "@switchyard/contracts";
import { connectNats, createLogger } from "@switchyard/runtime";
import { uniquePrefix } from "@switchyard/testing";
import { startAuthNats, type LocalNats } from "../src/local-nats.js";

const prefix = uniquePrefix("natsmatrix");
const table = natsPermissions(prefix);
const log = createLogger({ name: "nats-matrix-test", level: "silent" });
let nats: LocalNats;
const connections = new Map<string, NatsConnection>();

/** NATS subject matching: `*` is one token, `>` one or more at the end. */
function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split("."), t = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return t.length > i;
    if (i >= t.length || (p[i] !== "*" && p[i] !== t[i])) return false;
  }
  return p.length === t.length;
}

/** A subject a pattern allows: each wildcard filled with made-up tokens. */
const concrete = (pattern: string) => pattern.split(".").map((tok) => (tok === "*" ? "x" : tok === ">" ? "x.y" : tok)).join(".");

const allowed = (patterns: readonly string[], subject: string) => patterns.some((p) => subjectMatches(p, subject));

/** For each user, the subjects some other user may use and it may not. */
function forbidden(kind: "publish" | "subscribe"): { user: string; subject: string }[] {
  const subjects = [...new Set(Object.values(table).flatMap((perms) => perms[kind].map(concrete)))].sort();
  return Object.entries(table).flatMap(([user, perms]) => subjects.filter((subject) => !allowed(perms[kind], subject)).map((subject) => ({ user, subject })));
}

/** Collects the server's permission refusals of one connection, by operation and subject. */
function refusals(nc: NatsConnection): Set<string> {
  const seen = new Set<string>();
  void (async () => {
    for await (const status of nc.status()) {
      const err = status.type === "error" ? (status.error as Error & { operation?: string; subject?: string }) : null;
      if (err?.name === "PermissionViolationError") seen.add(`${err.operation} ${err.subject}`);
    }
  })();
  return seen;
}

beforeAll(async () => {
  nats = await startAuthNats({ prefix });
  for (const user of Object.keys(table)) connections.set(user, await connectNats(nats.urlFor(user), `matrix-${user}`, log));
}, 30_000);

afterAll(async () => {
  for (const nc of connections.values()) await nc.close().catch(() => undefined);
  await nats?.stop();
});

describe("the NATS permission matrix", () => {
  it("matches subjects as nats-server does", () => {
    expect(subjectMatches("a.*.c", "a.b.c")).toBe(true);
    expect(subjectMatches("a.>", "a.b.c")).toBe(true);
    expect(subjectMatches("a.>", "a")).toBe(false);
    expect(subjectMatches("a.*", "a.b.c")).toBe(false);
  });

  it.each(["publish", "subscribe"] as const)("refuses every %s a user has no right to", async (kind) => {
    const cases = forbidden(kind);
    // Every user is refused something, and every subject is refused to someone: the matrix is not empty.
    expect(new Set(cases.map((c) => c.user)).size).toBe(Object.keys(table).length);
    const seen = new Map([...connections].map(([user, nc]) => [user, refusals(nc)]));
    for (const { user, subject } of cases) {
      const nc = connections.get(user)!;
      if (kind === "publish") nc.publish(subject, "{}");
      else nc.subscribe(subject);
    }
    // The server answers each in order; a round trip after them means every refusal is in.
    for (const nc of connections.values()) await nc.flush();
    await new Promise((r) => setImmediate(r));
    const operation = kind === "publish" ? "publish" : "subscription";
    const missing = cases.filter(({ user, subject }) => !seen.get(user)!.has(`${operation} ${subject}`)).map(({ user, subject }) => `${user} → ${subject}`);
    expect(missing).toEqual([]);
  });
});
