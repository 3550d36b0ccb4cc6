import { runScript } from "@switchyard/runtime";
import type { Redis } from "@switchyard/runtime";

/** One LLM question and its answer, kept so an LLM-influenced decision can be replayed and audited. */
export interface LlmAuditEntry {
  auditId: string;
  /** Epoch ms the question was sent. */
  at: number;
  jobId: number;
  model: string;
  ruleChoice: string;
  candidates: [string, string];
  /** The full Messages API request body as sent; credentials travel in headers and are never here. */
  question: unknown;
  /** The raw answer (message JSON) or the error text. */
  answer: string;
  outcome: "accepted" | "refused" | "error" | "timeout";
  choice: string | null;
  accepted: boolean;
  reason: string | null;
  latencyMs: number;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number;
}

/** Where tie-break questions and answers are kept. */
export interface LlmAuditLog {
  record(entry: LlmAuditEntry): Promise<void>;
  get(auditId: string): Promise<LlmAuditEntry | null>;
  /** Newest first. */
  recent(limit: number): Promise<LlmAuditEntry[]>;
}

// Store, index, and drop whatever falls off the end of the index, in one step.
const RECORD_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[1])
local extra = redis.call('LLEN', KEYS[2]) - tonumber(ARGV[3])
for i = 1, extra do
  local id = redis.call('RPOP', KEYS[2])
  if id then redis.call('HDEL', KEYS[1], id) end
end
return extra
`;

/** Audit log in Redis: HASH `key` auditId → entry JSON, LIST `key:order` newest first, capped at `maxEntries`. */
export function createRedisLlmAuditLog(redis: Redis, key: string, maxEntries = 10_000): LlmAuditLog {
  const order = `${key}:order`;
  const parse = (raw: string | null | undefined): LlmAuditEntry | null => (raw ? (JSON.parse(raw) as LlmAuditEntry) : null);
  return {
    async record(entry) {
      await runScript(redis, RECORD_SCRIPT, 2, key, order, entry.auditId, JSON.stringify(entry), String(maxEntries));
    },
    async get(auditId) {
      return parse(await redis.hget(key, auditId));
    },
    async recent(limit) {
      const ids = await redis.lrange(order, 0, Math.max(0, limit - 1));
      if (ids.length === 0) return [];
      const raws = await redis.hmget(key, ...ids);
      return raws.map(parse).filter((e): e is LlmAuditEntry => e !== null);
    },
  };
}
