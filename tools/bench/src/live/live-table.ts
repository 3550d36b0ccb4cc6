import { AGENTS, SIMULATORS, describeRunnerWork } from "./live-system.js";
import type { LatencyStats } from "./latency-stats.js";
import type { LiveResults } from "./live-results.js";
import { MEMORY_FIGURES, formatSpread, memoryFigure, type RepeatSummary } from "./repeat-summary.js";

const pad = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
const fmt = (x: number | null) => (x === null ? "-" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fine = (x: number | null) => (x === null ? "-" : x.toFixed(2));
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
  const names = [...AGENTS, ...SIMULATORS];
  const cost = table(
    ["jobs/s", ...names.map((n) => `${n} MB/CPU%`), "agents CPU%", "simulators CPU%"],
    results.steps.map((s) => [String(s.rate), ...names.map((n) => {
      const u = s.processes[n];
      return u ? `${u.maxRssMb.toFixed(0)}/${u.cpuPercent.toFixed(0)}%` : "-";
    }), `${s.cpuPercent.agents.toFixed(0)}%`, `${s.cpuPercent.simulators.toFixed(0)}%`]),
  );
  const memory = results.steps.flatMap((s) => Object.entries(s.memory ?? {}).map(([name, m]) => [
    String(s.rate), name, ...MEMORY_FIGURES.map((f) => fmt(memoryFigure(m, f))),
  ]));
  const goals = table(
    ["goal", "figure", "target", "met"],
    results.summary.goals.map((g) => [g.name, g.figure === null ? "-" : String(g.figure), g.goal, g.met === null ? "n/a" : g.met ? "yes" : "NO"]),
  );
  const c = results.config;
  const f = results.floor;
  const floor = `Floor, measured at start (one at a time): NATS request/reply with ${(f.payloadBytes / 1000).toFixed(0)} KB each way p50/p99 ${fine(f.natsRequestMs.p50)}/${fine(f.natsRequestMs.p99)} ms; `
    + `Redis EVALSHA ${fine(f.redisEvalMs.p50)}/${fine(f.redisEvalMs.p99)} ms; so a rule path of 1 NATS hop + 2 Redis round trips cannot beat p50 ${fine(f.shortChainMs.p50)}, p99 ${fine(f.shortChainMs.p99)} ms.`;
  return [
    `Live bench: ${c.runners} runners × ${c.limit} slots in ${c.pools} pool(s), jobs of ${c.jobSeconds} simulated s at speed ${c.speed}; ${results.machine.cpus} CPUs (${results.machine.cpuModel}).`,
    `Load driver: ${describeRunnerWork(c.runnerWork)}.`,
    "Latencies in ms. queued→decided = decidedAt − queuedAt (broker took the job from GitLab → decision published);",
    "decide = the decision's latencyMs (score + choose once a runner was free); hand-off = job offered to GitLab → runner accepted it.",
    floor,
    "",
    latency,
    "",
    "Cost per step (peak RSS MB / CPU % of one core); agents = the four agents, simulators = sim GitLab + sim runners (the load driver, not Switchyard):",
    cost,
    "",
    ...(memory.length ? [`${MEMORY_NOTE} Node ${results.machine.node}, agent flags ${results.config.agentNodeFlags?.join(" ") ?? "-"}:`, table(["jobs/s", "agent", ...MEMORY_HEAD], memory), ""] : []),
    `Sustained rate: ${results.summary.sustainedRate ?? "none"} jobs/s (p99 queued→decided ≤ 50 ms and kept up). Stopped: ${results.stoppedBecause}.`,
    goals,
  ].join("\n");
}

/** The figures over repeated runs, each as median (min–max), goals judged by most runs. */
export function repeatTables(summary: RepeatSummary): string {
  const s = formatSpread;
  const rates = table(
    ["jobs/s", "decided/s", "queued→decided p50", "queued→decided p99", "rule p99", "hand-off p50", "hand-off p99", "agents CPU%", "simulators CPU%", "kept up"],
    summary.rates.map((r) => [
      String(r.rate), s(r.decisionsPerSec), s(r.queuedToDecidedP50), s(r.queuedToDecidedP99), s(r.ruleP99), s(r.handoffP50), s(r.handoffP99),
      s(r.agentsCpuPercent), s(r.simulatorsCpuPercent), r.keptUp,
    ]),
  );
  const rss = table(["process", "peak RSS MB"], Object.entries(summary.maxRssMb).map(([n, v]) => [n, s(v)]));
  const memory = Object.entries(summary.memory).map(([name, figures]) => [name, ...MEMORY_FIGURES.map((f) => s(figures[f]!))]);
  const goals = table(
    ["goal", "figure", "target", "met"],
    summary.goals.map((g) => [g.name, s(g.figure), g.goal, g.met === null ? "n/a" : g.met ? "yes" : "NO"]),
  );
  const f = summary.floor;
  return [
    `Over ${summary.runs} run(s): each figure is the median (min–max); a goal is met when most runs met it. Latencies in ms; CPU in % of one core.`,
    `Load driver: ${summary.runnerWork ? describeRunnerWork(summary.runnerWork) : "-"}.`,
    `Floor: NATS request/reply p50 ${s(f.natsP50)}, p99 ${s(f.natsP99)}; Redis EVALSHA p50 ${s(f.redisP50)}, p99 ${s(f.redisP99)}.`,
    "",
    rates,
    "",
    rss,
    "",
    ...(memory.length ? [MEMORY_NOTE, table(["agent", ...MEMORY_HEAD], memory), ""] : []),
    goals,
  ].join("\n");
}

const MEMORY_NOTE = "Memory at each agent's highest RSS (MiB; --memory): RSS = file-backed (node's binary) + anonymous; V8 heap committed and used, new/old/code space committed; "
  + "external (Buffers, native objects); anonymous memory by mapping: V8's heap pages (kept ones included), the main malloc heap (brk), every other mapping (thread arenas, stacks, V8 tables).";
const MEMORY_HEAD = ["RSS", "file", "anon", "heap total", "heap used", "new space", "old space", "code space", "external", "V8 pages", "brk", "other"];
