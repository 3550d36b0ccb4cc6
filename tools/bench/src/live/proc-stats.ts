import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** One reading of a process: resident memory and CPU time used so far. */
export interface ProcReading {
  rssMb: number;
  cpuSeconds: number;
  at: number;
}

/** Reads VmRSS and utime+stime of a live process; null once it is gone (or off Linux). */
export function readProc(pid: number, now: () => number = Date.now): ProcReading | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    // The command name may hold spaces or parentheses: fields count from the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!Number.isFinite(rssKb) || !Number.isFinite(ticks)) return null;
    return { rssMb: rssKb / 1024, cpuSeconds: ticks / TICKS_PER_SECOND, at: now() };
  } catch {
    return null;
  }
}

/** What one process used over a window: CPU as % of one core, RSS at the end and its peak. */
export interface ProcUsage {
  pid: number;
  rssMb: number;
  maxRssMb: number;
  cpuPercent: number;
}

/** Samples a set of named processes; `window()` returns usage since the previous call. */
export interface ProcSampler {
  /** Reads every process now (call about once a second to catch the RSS peak). */
  sample(): void;
  window(): Record<string, ProcUsage>;
}

/** Creates a sampler over name → pid. */
export function createProcSampler(pids: Record<string, number>): ProcSampler {
  const start = new Map<string, ProcReading>();
  const last = new Map<string, ProcReading>();
  const peak = new Map<string, number>();
  const read = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const r = readProc(pid);
      if (!r) continue;
      if (!start.has(name)) start.set(name, r);
      last.set(name, r);
      peak.set(name, Math.max(peak.get(name) ?? 0, r.rssMb));
    }
  };
  read();
  return {
    sample: read,
    window() {
      read();
      const out: Record<string, ProcUsage> = {};
      for (const [name, pid] of Object.entries(pids)) {
        const a = start.get(name);
        const b = last.get(name);
        if (!a || !b) continue;
        const seconds = (b.at - a.at) / 1000;
        out[name] = {
          pid, rssMb: round1(b.rssMb), maxRssMb: round1(peak.get(name) ?? b.rssMb),
          cpuPercent: seconds > 0 ? round1(((b.cpuSeconds - a.cpuSeconds) / seconds) * 100) : 0,
        };
        start.set(name, b);
        peak.set(name, b.rssMb);
      }
      return out;
    },
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
