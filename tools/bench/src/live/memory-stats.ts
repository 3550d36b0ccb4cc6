import { readFileSync } from "node:fs";
import type { MemorySample } from "./memory-sampler.js";

/** The sample with the highest RSS taken in [from, to] (wall ms) from a memory-sampler file; null when none. */
export function peakMemorySample(file: string, from: number, to: number): MemorySample | null {
  let text = "";
  try { text = readFileSync(file, "utf8"); } catch { return null; }
  let peak: MemorySample | null = null;
  for (const line of text.split("\n")) {
    if (!line) continue;
    let s: MemorySample;
    try { s = JSON.parse(line) as MemorySample; } catch { continue; }
    if (s.at < from || s.at > to) continue;
    if (!peak || s.rssMb > peak.rssMb) peak = s;
  }
  return peak;
}
