import type { LoadRun } from "../bench/policy-bench.js";
import { GOAL, type GoalCheck } from "./goal.js";
import type { WaitStats } from "./stats.js";

/** Seconds as "42s" below two minutes, else minutes with one decimal ("12.5m"). */
export function formatWait(s: number): string {
  return s < 120 ? `${Math.round(s)}s` : `${(s / 60).toFixed(1)}m`;
}

const COLS = ["policy", "class", "jobs", "p50", "p95", "p99", "max", "mean", ">SLI", "util"];

/** The results of one load as an aligned text table, with the lower bound on FIFO's schedule last. */
export function loadTable(load: LoadRun): string {
  const rows: string[][] = [];
  const line = (policy: string, cls: string, s: WaitStats, util: string): void => {
    rows.push([policy, cls, String(s.jobs), formatWait(s.p50), formatWait(s.p95), formatWait(s.p99), formatWait(s.max),
      formatWait(s.mean), String(s.overSli), util]);
  };
  for (const run of load.runs) {
    const s = run.summary;
    line(s.policy, "all", s.overall, `${(100 * s.utilization.overall).toFixed(1)}%`);
    for (const [cls, st] of Object.entries(s.byClass)) line("", cls, st, "");
  }
  const fifo = load.runs.find((r) => r.summary.policy === "fifo");
  if (fifo) {
    line("lower bound*", "all", fifo.summary.lowerBound.overall, "");
    for (const [cls, st] of Object.entries(fifo.summary.lowerBound.byClass)) line("", cls, st, "");
  }
  const widths = COLS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: readonly string[]): string => r.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  const slots = Object.entries(load.slotsPerPool).map(([p, n]) => `${p} ${n}`).join(", ");
  return [`== load "${load.name}": arrivals ×${load.compression.toFixed(2)}, slots ${slots}`, fmt(COLS),
    ...rows.map(fmt), "* lower bound: wait no non-preemptive policy could avoid given what FIFO was running when the job arrived"].join("\n");
}

/** The goal, each figure beside its target, for every policy compared with FIFO. */
export function goalTable(load: LoadRun): string {
  const ratio = (r: number | null): string => (r === null ? "n/a" : r === Infinity ? "inf" : r.toFixed(2));
  const mark = (ok: boolean): string => (ok ? "met" : "NOT met");
  const lines = [`Goal at load "${load.name}" (figures beside targets; reported, not asserted):`,
    `  top class p95 ≤ ${GOAL.topP95MaxRatio} × FIFO's; overall mean ≤ ${GOAL.meanMaxRatio} × FIFO's; ` +
    `every job ≤ ${GOAL.perJobFactor} × its FIFO wait + ${GOAL.perJobSlackS} s`];
  for (const g of load.goal) lines.push(goalLine(g, ratio, mark));
  lines.push("  Every policy runs with its shipped defaults (the head start per weight point was chosen with this trace in view).");
  return lines.join("\n");
}

function goalLine(g: GoalCheck, ratio: (r: number | null) => string, mark: (ok: boolean) => string): string {
  const worst = g.worst ? ` (worst: job ${g.worst.jobId} ${g.worst.jobClass} waited ${formatWait(g.worst.waitS)} vs FIFO ${formatWait(g.worst.fifoWaitS)})` : "";
  return `  ${g.policy.padEnd(20)} ${g.topClass} p95 ratio ${ratio(g.topP95Ratio)} [${mark(g.met.topP95)}]; ` +
    `mean ratio ${ratio(g.meanRatio)} [${mark(g.met.mean)}]; jobs over bound ${g.jobsOverBound} [${mark(g.met.perJob)}]${worst}`;
}
