import type { SharedRecordName } from "@switchyard/contracts";
import type { Counter } from "prom-client";
import type { z } from "zod";
import type { Logger } from "./logger.js";

/**
 * Reads shared Redis records through their libs/contracts schemas. A record that fails its schema is
 * counted, logged once per record name, and read as absent: a bad record never crashes a reader.
 */
export interface RecordReader {
  /** Parses a JSON STRING (or HASH field) value; undefined when absent or unreadable. */
  json<T>(name: SharedRecordName, schema: z.ZodType<T>, raw: string | null | undefined): T | undefined;
  /** Validates an already decoded value (a HASH read as a record, a split string); undefined when unreadable. */
  value<T>(name: SharedRecordName, schema: z.ZodType<T>, data: unknown): T | undefined;
  /** Records that failed their schema so far, by record name. */
  unreadable(): ReadonlyMap<SharedRecordName, number>;
}

/**
 * Builds a reader; `log` hears of each record name's first failure only, `counter` (an agent's
 * `switchyard_unreadable_records_total`, AgentRuntime.records) of every one. Agents share the
 * runtime's reader; a reader without a counter is for tests and tools.
 */
export function createRecordReader(log?: Pick<Logger, "warn">, counter?: Pick<Counter<"record">, "inc">): RecordReader {
  const failures = new Map<SharedRecordName, number>();
  const fail = (name: SharedRecordName, reason: string): undefined => {
    const n = failures.get(name) ?? 0;
    failures.set(name, n + 1);
    counter?.inc({ record: name });
    if (n === 0) log?.warn({ record: name, reason }, "unreadable Redis record read as absent");
    return undefined;
  };
  const value = <T>(name: SharedRecordName, schema: z.ZodType<T>, data: unknown): T | undefined => {
    const result = schema.safeParse(data);
    return result.success ? result.data : fail(name, result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  };
  return {
    value,
    json(name, schema, raw) {
      if (raw === null || raw === undefined || raw === "") return undefined;
      let data: unknown;
      try {
        data = JSON.parse(raw);
      } catch {
        return fail(name, "not JSON");
      }
      return value(name, schema, data);
    },
    unreadable: () => failures,
  };
}
