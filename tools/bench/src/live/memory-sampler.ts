// Preloaded into each agent by `live.js --memory` (node --import): once a second it appends one line of
// where the agent's memory goes to the file SWITCHYARD_BENCH_MEMORY_FILE names. Nothing else of the agent's
// changes; the timer is unref'd so it never keeps an agent alive.
import { appendFileSync, readFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

/** One second of an agent's memory, MiB: what the OS counts, then what V8 and node count inside it. */
export interface MemorySample {
  at: number;
  /** VmRSS, and its parts: anonymous (heap, stacks, malloc) and file-backed (node's binary, libraries). */
  rssMb: number;
  rssAnonMb: number;
  rssFileMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  /** C++ memory of JS objects (Buffers, sockets' data), arrayBuffers part of it. */
  externalMb: number;
  arrayBuffersMb: number;
  /** V8 heap space → committed (space_size) and used MiB, e.g. new_space, old_space, code_space. */
  spaces: Record<string, { sizeMb: number; usedMb: number }>;
  /**
   * Resident anonymous memory by mapping (/proc/self/smaps): `v8Pages` the 256 KiB mappings V8's heap pages
   * get (pooled and unreported pages included), `brk` the main malloc heap, `other` every other anonymous
   * mapping (thread arenas and stacks, V8's tables, node's native allocations).
   */
  anonByMapping: { v8Pages: number; brk: number; other: number };
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Reads one sample of this process. */
export function sampleMemory(now: number = Date.now()): MemorySample {
  const m = process.memoryUsage();
  let status = "";
  try { status = readFileSync("/proc/self/status", "utf8"); } catch { /* off Linux: the OS figures stay 0 */ }
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  const spaces: MemorySample["spaces"] = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = { sizeMb: mb(s.space_size), usedMb: mb(s.space_used_size) };
  const round = (x: number) => Math.round(x * 10) / 10;
  const anon = anonByMapping();
  return {
    at: now, rssMb: mb(m.rss), rssAnonMb: round(kb("RssAnon")), rssFileMb: round(kb("RssFile")),
    heapTotalMb: mb(m.heapTotal), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers), spaces,
    anonByMapping: { v8Pages: round(anon.v8Pages), brk: round(anon.brk), other: round(anon.other) },
  };
}

/** Sums the Anonymous field of each mapping in /proc/self/smaps by kind (MiB); zeros off Linux. */
function anonByMapping(): MemorySample["anonByMapping"] {
  const out = { v8Pages: 0, brk: 0, other: 0 };
  let smaps = "";
  try { smaps = readFileSync("/proc/self/smaps", "utf8"); } catch { return out; }
  let kind: keyof typeof out = "other";
  for (const line of smaps.split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const kb = (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) / 1024;
      const name = head[3] ?? "";
      kind = name === "[heap]" ? "brk" : name === "" && kb === 256 ? "v8Pages" : "other";
      continue;
    }
    const anonKb = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anonKb) out[kind] += Number(anonKb[1]) / 1024;
  }
  return out;
}

const file = process.env.SWITCHYARD_BENCH_MEMORY_FILE;
if (file) {
  setInterval(() => {
    try { appendFileSync(file, `${JSON.stringify(sampleMemory())}\n`); } catch { /* the bench's work dir went first: nothing to report to */ }
  }, 1000).unref();
}
