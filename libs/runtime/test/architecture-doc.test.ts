import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { redisKeys } from "../src/redis-keys.js";
import { natsPermissions, redisRecords, subjectCatalogue } from "@switchyard/contracts";

const doc = readFileSync(new URL("../../../docs/ARCHITECTURE.md", import.meta.url), "utf8");

/** The rows of the table under a heading, each split into cells (a `|` inside backticks or escaped stays in its cell). */
function tableUnder(heading: string): string[][] {
  const start = doc.indexOf(`\n## ${heading}`);
  expect(start, `heading "${heading}"`).toBeGreaterThan(-1);
  const lines = doc.slice(start).split("\n").slice(1);
  const rows: string[][] = [];
  let inTable = false;
  for (const line of lines) {
    if (!line.startsWith("|")) { if (inTable) break; continue; }
    inTable = true;
    rows.push(splitRow(line));
  }
  return rows.slice(2);
}

function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let tick = false;
  for (let i = 1; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && line[i + 1] === "|") { cell += "|"; i++; continue; }
    if (c === "`") tick = !tick;
    if (c === "|" && !tick) { cells.push(cell.trim()); cell = ""; continue; }
    cell += c;
  }
  return cells;
}

const patternsIn = (cell: string) => [...cell.matchAll(/`(<p>[^`]*)`/g)].map((m) => m[1]!);

describe("docs/ARCHITECTURE.md's Redis key table", () => {
  const rows = tableUnder("Redis key layout").map((cells) => ({ patterns: patternsIn(cells[0]!), who: cells[2]! }));

  it("lists exactly the keys of the catalogue", () => {
    expect(rows.flatMap((r) => r.patterns).sort()).toEqual(redisRecords.map((r) => r.pattern).sort());
  });

  it("names each key's owner first and every reader after the arrow", () => {
    for (const record of redisRecords) {
      const row = rows.find((r) => r.patterns.includes(record.pattern))!;
      const [writers, readers = ""] = row.who.split("→");
      expect(writers, record.pattern).toContain(record.owner);
      for (const reader of record.readers) expect(readers, `${record.pattern} read by ${reader}`).toContain(reader);
    }
  });

  it("catalogues every key redisKeys builds, under the pattern it builds", () => {
    const keys = redisKeys("<p>") as unknown as Record<string, string | ((...args: string[]) => string)>;
    const built = Object.keys(keys).filter((k) => k !== "prefix").sort();
    expect(redisRecords.flatMap((r) => r.keys).sort()).toEqual(built);
    for (const record of redisRecords) {
      const key = keys[record.keys[0]!]!;
      const placeholders = record.pattern.match(/<(?!p>)[^>]+>/g) ?? [];
      expect(typeof key === "string" ? key : key(...placeholders), record.keys[0]).toBe(record.pattern);
    }
  });
});

/** Whether a NATS permission subject (with `*` and `>`) covers a subject. */
function covers(permission: string, subject: string): boolean {
  const p = permission.split("."), s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length || (p[i] !== "*" && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

describe("docs/ARCHITECTURE.md's subject table", () => {
  const rows = tableUnder("NATS subjects").map((cells) => ({ pattern: patternsIn(cells[0]!)[0], publishers: cells[2]!.toLowerCase(), consumers: cells[3]!.toLowerCase() }));

  it("lists exactly the subjects of the catalogue", () => {
    expect(rows.map((r) => r.pattern).sort()).toEqual(subjectCatalogue.map((s) => s.pattern).sort());
  });

  it("names every publisher and consumer the catalogue names", () => {
    for (const entry of subjectCatalogue) {
      const row = rows.find((r) => r.pattern === entry.pattern)!;
      for (const user of entry.publishers) expect(row.publishers, `${entry.pattern} published by ${user}`).toContain(user);
      for (const user of entry.consumers) expect(row.consumers, `${entry.pattern} consumed by ${user}`).toContain(user);
    }
  });

  it("matches the NATS permission table: each publisher may publish there, each consumer may subscribe", () => {
    const table = natsPermissions("p");
    const concrete = (pattern: string) => pattern.replace("<p>", "p").replace(/<principal>/, "cli").replace(/<agent>/, "assigner")
      .replace(/<kind>/, "runner.draining").replace(/<[^>]+>/g, "x");
    for (const entry of subjectCatalogue) {
      for (const user of entry.publishers) {
        const subject = entry.pattern.includes("<principal>") && user === "monitor" ? "p.approval.answer.dashboard"
          : entry.pattern.includes("<agent>") ? `p.heartbeat.${user}`
          : entry.pattern.includes("<kind>") ? `p.event.${{ monitor: "runner.draining", optimizer: "trust.proposal", assigner: "breaker.open", cli: "trust.applied" }[user as string]}`
          : concrete(entry.pattern);
        expect(table[user]!.publish.some((perm) => covers(perm, subject)), `${user} publishes ${subject}`).toBe(true);
      }
      for (const user of entry.consumers) {
        const subject = entry.pattern.includes("<kind>") && user === "optimizer" ? "p.event.runner.recycle-requested" : concrete(entry.pattern);
        // The optimizer reads outcomes through its durable JetStream consumer (a pull), not a subscription.
        const rights = entry.pattern === "<p>.job.outcome.<pool>" && user === "optimizer"
          ? table[user]!.publish.filter((perm) => perm.startsWith("$JS.API.CONSUMER.MSG.NEXT.P_OUTCOMES.")).map(() => subject)
          : table[user]!.subscribe;
        expect(rights.some((perm) => covers(perm, subject)), `${user} subscribes ${subject}`).toBe(true);
      }
    }
  });
});
