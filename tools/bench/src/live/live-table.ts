import { AGENTS } from "./live-system.js";
import type { LatencyStats } from "./latency-stats.js";
import type { LiveResults } from "./live-results.js";

const pad = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
const fmt = (x: number | null) => (x === null ? "-" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const trio = (s: LatencyStats) => `${fmt(s.p50)}/${fmt(s.p99)}/${fmt(s.max)}`;

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [pad(head, widths), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map((r) => pad(r, widths))].join("\n");
}

/** The stdout report: latency per step, cost per step, and each goal beside its figure. */
export function liveTables(results: LiveResults): string {
  const latency = table(
    ["jobs/s", "offered/s", "decided/s", "queued→decided p50/p99/max", "rule p99", "decide p50/p99/max", "hand-off p50/p99/max", "modes", "util"],
    results.steps.map((s) => [
      String(s.rate), String(s.offeredPerSec), String(s.decisionsPerSec) + (s.keptUp ? "" : "!"), trio(s.latencyMs.queuedToDecided),
      fmt(s.latencyMs.ruleQueuedToDecided.p99), trio(s.latencyMs.decide), trio(s.latencyMs.handoff),
      Object.entries(s.modes).map(([m, n]) => `${m} ${n}`).join(", ") || "-", `${(s.utilization.ratio * 100).toFixed(1)}%`,
    ]),
  );
  const names = [...AGENTS, "sim-gitlab", "sim-runners"];
  const cost = table(
    ["jobs/s", ...names.map((n) => `${n} MB/CPU%`)],
    results.steps.map((s) => [String(s.rate), ...names.map((n) => {
      const u = s.processes[n];
      return u ? `${u.maxRssMb.toFixed(0)}/${u.cpuPercent.toFixed(0)}%` : "-";
    })]),
  );
  const goals = table(
    ["goal", "figure", "target", "met"],
    results.summary.goals.map((g) => [g.name, g.figure === null ? "-" : String(g.figure), g.goal, g.met === null ? "n/a" : g.met ? "yes" : "NO"]),
  );
  const c = results.config;
  return [
    `Live bench: ${c.runners} runners × ${c.limit} slots in ${c.pools} pool(s), jobs of ${c.jobSeconds} simulated s at speed ${c.speed}; ${results.machine.cpus} CPUs (${results.machine.cpuModel}).`,
    "Latencies in ms. queued→decided = decidedAt − queuedAt (broker took the job from GitLab → decision published);",
    "decide = the decision's latencyMs (score + choose once a runner was free); hand-off = job offered to GitLab → runner accepted it.",
    "",
    latency,
    "",
    "Agent cost per step (peak RSS MB / CPU % of one core):",
    cost,
    "",
    `Sustained rate: ${results.summary.sustainedRate ?? "none"} jobs/s (p99 queued→decided ≤ 50 ms and kept up). Stopped: ${results.stoppedBecause}.`,
    goals,
  ].join("\n");
}
