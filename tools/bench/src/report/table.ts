import type { AutoscaleRun } from "../bench/autoscale-bench.js";
import type { LoadRun } from "../bench/policy-bench.js";
import type { WaitStats } from "./stats.js";

/** Seconds as "42s" below two minutes, else minutes with one decimal ("12.5m"). */
export function formatWait(s: number): string {
  return s < 120 ? `${Math.round(s)}s` : `${(s / 60).toFixed(1)}m`;
}

const COLS = ["policy", "class", "jobs", "p50", "p95", "p99", "max", "mean", ">SLI", "util"];

/** The results of one load as an aligned text table, with the lower bounds on FIFO's and naive priority's schedules last. */
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
  for (const name of ["fifo", "priority"]) {
    const run = load.runs.find((r) => r.summary.policy === name);
    if (!run) continue;
    line(`lower bound* ${name}`, "all", run.summary.lowerBound.overall, "");
    for (const [cls, st] of Object.entries(run.summary.lowerBound.byClass)) line("", cls, st, "");
  }
  const widths = COLS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: readonly string[]): string => r.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  const slots = Object.entries(load.slotsPerPool).map(([p, n]) => `${p} ${n}`).join(", ");
  const ttr = load.runs.map((r) => `${r.summary.policy} mean ${formatWait(r.summary.pipelines.mean)} / p95 ${formatWait(r.summary.pipelines.p95)}`).join("; ");
  const pred = load.runs.filter((r) => r.summary.prediction).map((r) => {
    const p = r.summary.prediction!;
    return `${r.summary.policy}: ${p.predicted} predicted, ${p.unknown} unknown, median |error| ${p.medianAbsRelError === null ? "n/a" : `${Math.round(100 * p.medianAbsRelError)}%`}, mean |error| ${p.meanAbsErrorS === null ? "n/a" : formatWait(p.meanAbsErrorS)}`;
  }).join("; ");
  const placed = load.runs.filter((r) => r.summary.placements).map((r) => {
    const t = r.summary.placements!;
    const modes = Object.entries(t.byMode).map(([mode, n]) => `${mode} ${n}`).join(", ");
    return `${r.summary.policy}: ${t.placed} (${modes}), ${t.closeCalls} close calls (live, the LLM would be asked), ${t.notEnforced} not enforced`;
  }).join("; ");
  return [`== load "${load.name}": arrivals ×${load.compression.toFixed(2)}, slots ${slots}`, fmt(COLS),
    ...rows.map(fmt), "* lower bound: wait no non-preemptive policy could avoid given what that policy was running when the job arrived",
    `Pipeline time-to-result (first job pending → last job finished): ${ttr}`,
    `Run-time predictions (learned online from finished jobs only): ${pred || "none"}`,
    `Placements (the assigner's decision records): ${placed || "none"}`].join("\n");
}

/** The goals, each figure beside its target, for every Switchyard policy. */
export function goalTable(load: LoadRun): string {
  const mark = (ok: boolean | null): string => (ok === null ? "not measured" : ok ? "met" : "NOT met");
  const lines = [`Goals at load "${load.name}" (figures beside targets; reported, not asserted):`];
  for (const g of load.goal) {
    lines.push(`  ${g.policy}`);
    for (const l of g.lines) lines.push(`    ${l.goal.padEnd(62)} ${l.figure.padStart(18)}  target ${l.target.padEnd(10)} [${mark(l.met)}]`);
  }
  return lines.join("\n");
}

/** One autoscaled load: every frontier point (cost and waits), then the autoscaling goal. */
export function autoscaleTable(loadName: string, run: AutoscaleRun, topClass: string): string {
  const cols = ["policy", "knob", "machines", "machine-h", `${topClass} p95`, "protected p95", "p95", "mean"];
  const rows = run.lines.flatMap((line) => line.points.map((p, i) => [
    i === 0 ? line.name : "", p.knob, String(p.machines), p.machineHours.toFixed(0), formatWait(p.topP95),
    formatWait(p.protectedP95), formatWait(p.overallP95), formatWait(p.overallMean),
  ]));
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: readonly string[]): string => r.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  const f = run.fleet;
  const caps = Object.entries(f.maxMachinesPerPool).map(([p, n]) => `${p} ≤ ${n}`).join(", ");
  const mark = (ok: boolean | null): string => (ok === null ? "not measured" : ok ? "met" : "NOT met");
  return [
    `== autoscaled, load "${loadName}": arrivals ×${run.compression.toFixed(2)}; machines of ${f.shape.limit} slots (speed ${f.shape.speed}), ` +
      `boot ${f.bootSeconds} s, planned every ${f.intervalSeconds} s, idle_time ${f.idleTimeSeconds} s, max machines ${caps}`,
    fmt(cols), ...rows.map(fmt),
    `Autoscaling goal at load "${loadName}" (reported, not asserted):`,
    ...run.goal.map((l) => `    ${l.goal.padEnd(74)} ${l.figure.padStart(44)}  target ${l.target.padEnd(8)} [${mark(l.met)}]`),
  ].join("\n");
}
