import { cdfSvg, formatWait, waitStats, type LoadRun, type WaitStats } from "@switchyard/bench";
import type { RunnerGroup } from "./replay-fleet.js";

/** Everything the report shows; no token, no credentials: the GitLab URL is reduced to its origin. */
export interface WhatIfReportInput {
  generatedAt: Date;
  gitlabOrigin: string;
  projects: readonly string[];
  /** Epoch ms the history starts at, when asked for; null = as far as was read. */
  since: number | null;
  fetched: number;
  skipped: Readonly<Record<string, number>>;
  /** `history`: the runners that ran the jobs (the token may not list all); `inferredRunners` of them GitLab would not show, so their tags are those of their jobs. */
  fleet: { source: "gitlab" | "history" | "flags"; inferredRunners?: number; groups: readonly RunnerGroup[]; slotsPerRunner: number; speed: number; unmatched: Readonly<Record<string, number>> };
  sliSeconds: number;
  load: LoadRun;
  /** Job id → the wait GitLab recorded (queued_duration, s), for the jobs replayed. */
  recordedWaits: ReadonlyMap<number, number | null>;
}

/** The figures of the report as data: embedded in the HTML (application/json) and what tests compare. */
export interface WhatIfFigures {
  schema: "switchyard.what-if/v1";
  jobs: number;
  policies: { policy: string; overall: WaitStats; byClass: Record<string, WaitStats>; unplaced: number }[];
  recorded: { overall: WaitStats; byClass: Record<string, WaitStats> } | null;
  classes: { jobClass: string; jobs: number; weight: number; tier: string; examples: string[] }[];
}

/** The report's figures, from the replay (every policy ran the same jobs) and GitLab's recorded waits. */
export function whatIfFigures(input: WhatIfReportInput): WhatIfFigures {
  const first = input.load.runs[0];
  const classes = new Map<string, { jobs: number; weight: number; tier: string; names: Map<string, number> }>();
  const recordedBy = new Map<string, number[]>();
  for (const j of first?.result.jobs ?? []) {
    const c = classes.get(j.jobClass) ?? { jobs: 0, weight: j.weight, tier: j.tier, names: new Map() };
    c.jobs++;
    c.names.set(j.trace.name, (c.names.get(j.trace.name) ?? 0) + 1);
    classes.set(j.jobClass, c);
    const w = input.recordedWaits.get(j.jobId);
    if (typeof w === "number") (recordedBy.get(j.jobClass) ?? recordedBy.set(j.jobClass, []).get(j.jobClass)!).push(w);
  }
  const allRecorded = [...recordedBy.values()].flat();
  return {
    schema: "switchyard.what-if/v1",
    jobs: first?.result.jobs.length ?? 0,
    policies: input.load.runs.map((r) => ({ policy: r.summary.policy, overall: r.summary.overall, byClass: r.summary.byClass, unplaced: r.summary.unplaced })),
    recorded: allRecorded.length === 0 ? null : {
      overall: waitStats(allRecorded, input.sliSeconds),
      byClass: Object.fromEntries([...recordedBy].sort(([a], [b]) => a.localeCompare(b)).map(([cls, w]) => [cls, waitStats(w, input.sliSeconds)])),
    },
    classes: [...classes].sort(([, a], [, b]) => b.weight - a.weight || b.jobs - a.jobs).map(([jobClass, c]) => ({
      jobClass, jobs: c.jobs, weight: c.weight, tier: c.tier,
      examples: [...c.names].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n]) => n),
    })),
  };
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1240px;padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
.meta{color:#57606a}.lead{font-size:1.05rem;background:#f6f8fa;border-left:4px solid #1f77b4;padding:.6rem 1rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f6f8fa}tr.best td{font-weight:600}
td.win{background:#e6f4ea}td.lose{background:#fdecea}svg{max-width:100%;height:auto}li{margin:.2rem 0}code{background:#f6f8fa;padding:0 .2rem}`;

/**
 * A self-contained HTML page: inline CSS, the wait CDF per class as inline SVG, the figures as an
 * embedded JSON block; no script runs and nothing is fetched, so it opens without a network.
 */
export function renderWhatIfReport(input: WhatIfReportInput): string {
  const f = whatIfFigures(input);
  const policies = f.policies.map((p) => p.policy);
  const fifo = f.policies.find((p) => p.policy === "fifo");
  const sy = f.policies.find((p) => p.policy === "switchyard");
  const top = f.classes[0];
  const lead = fifo && sy && top
    ? `Replaying ${f.jobs.toLocaleString("en")} jobs as they arrived: Switchyard's p95 wait for <b>${esc(top.jobClass)}</b> jobs would have been ` +
      `<b>${formatWait(sy.byClass[top.jobClass]?.p95 ?? 0)}</b> against FIFO's <b>${formatWait(fifo.byClass[top.jobClass]?.p95 ?? 0)}</b>; ` +
      `the mean wait of all jobs ${formatWait(sy.overall.mean)} against ${formatWait(fifo.overall.mean)}.${costOf(f)}`
    : "No job could be replayed.";
  const statCols = ["jobs", "p50", "p95", "p99", "max", "mean", `over ${formatWait(input.sliSeconds)}`];
  const statCells = (s: WaitStats) => [String(s.jobs), ...[s.p50, s.p95, s.p99, s.max, s.mean].map(formatWait), String(s.overSli)];
  const overallRows = [
    ...(f.recorded ? [row(["recorded by GitLab", ...statCells(f.recorded.overall), "—"])] : []),
    ...f.policies.map((p) => row([p.policy, ...statCells(p.overall), String(p.unplaced)], p.policy === "switchyard" ? "best" : "")),
  ];
  const classRows = f.classes.map((c) => {
    const cells = f.policies.map((p) => p.byClass[c.jobClass]);
    const fifoP95 = fifo?.byClass[c.jobClass]?.p95;
    return `<tr><td>${esc(c.jobClass)}</td><td>${c.jobs}</td><td>${f.recorded?.byClass[c.jobClass] ? formatWait(f.recorded.byClass[c.jobClass]!.p95) : "—"}</td>` +
      cells.map((s, i) => {
        if (!s) return "<td>—</td>";
        const cls = policies[i] === "switchyard" && fifoP95 !== undefined ? (s.p95 < fifoP95 ? " class=\"win\"" : s.p95 > fifoP95 ? " class=\"lose\"" : "") : "";
        return `<td${cls}>${formatWait(s.p95)} <span class="meta">/ ${formatWait(s.mean)}</span></td>`;
      }).join("") + "</tr>";
  });
  const unmatched = Object.entries(input.fleet.unmatched);
  const skipped = Object.entries(input.skipped);
  const slots = input.fleet.groups.reduce((n, g) => n + g.runners * input.fleet.slotsPerRunner, 0);
  const notice = `${f.jobs} jobs from ${input.projects.length} project(s) on ${input.gitlabOrigin}, replayed as recorded.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Switchyard what-if: ${esc(input.projects.join(", "))}</title><style>${CSS}</style></head>
<body>
<h1>What would Switchyard have done?</h1>
<p class="meta">${esc(input.projects.join(", "))} on ${esc(input.gitlabOrigin)}${input.since === null ? "" : `, jobs since ${esc(new Date(input.since).toISOString().slice(0, 10))}`} · generated ${esc(input.generatedAt.toISOString().replace(/\.\d+Z$/, "Z"))} by <code>switchyard what-if</code></p>
<p class="lead">${lead}</p>

<h2>Wait until a runner starts the job, all jobs</h2>
${table(["policy", ...statCols, "never ran"], overallRows)}
<p class="meta">fifo: GitLab's order (oldest pending job first) · fair: GitLab's fair scheduling for instance runners (the project running fewest jobs first) · priority: naive class priority, no aging · switchyard: the assigner's queue order and placement with the shipped defaults.
"Recorded by GitLab" is each job's <code>queued_duration</code>, what your fleet really gave.</p>

<h2>p95 / mean wait per class</h2>
${table(["class", "jobs", "recorded p95", ...policies], classRows)}

<h2>Wait CDF per class</h2>
${cdfSvg(input.load, notice).replace(/^<svg /, '<svg role="img" aria-label="wait-time CDF per class" ')}

<h2>Classes found</h2>
${table(["class", "jobs", "share", "weight", "trust tier", "most frequent jobs"], f.classes.map((c) =>
    row([c.jobClass, String(c.jobs), `${((100 * c.jobs) / Math.max(1, f.jobs)).toFixed(1)}%`, String(c.weight), c.tier, c.examples.join(", ")])))}
<p class="meta">Classified from each job's ref, pipeline source and environment with Switchyard's built-in class rules, as the assigner classifies the job payload.</p>

<h2>Fleet replayed</h2>
${table(["pool (tags)", "runs untagged", "runners", "slots"], input.fleet.groups.map((g) =>
    row([g.pool, g.runUntagged ? "yes" : "no", String(g.runners), String(g.runners * input.fleet.slotsPerRunner)])))}
<p class="meta">${fleetSource(input.fleet)} ${slots} slots in all.</p>

<h2>Caveats: what the replay assumes</h2>
<ul>
<li>Every runner has ${input.fleet.slotsPerRunner} slot(s) and speed ${input.fleet.speed}: GitLab does not report a runner's <code>concurrent</code>/<code>limit</code> or its machine, so runner shapes are equal and a job takes its recorded duration wherever it runs.</li>
<li>Jobs arrive when GitLab made them pending (<code>started_at − queued_duration</code>), as recorded; a job's own later stages are not held back by a faster or slower replay of the stages before it.</li>
<li>No retries, no cancellations, no failures that end a pipeline early: each job ran once, for its recorded duration. Manual, skipped and never-started jobs are left out${skipped.length ? ` (${skipped.map(([r, n]) => `${n} ${esc(r)}`).join("; ")})` : ""}.</li>
<li>A job runs in the runner group of the runner that really ran it; otherwise in the largest group whose tags cover its tags.${unmatched.length ? ` ${unmatched.reduce((n, [, c]) => n + c, 0)} job(s) matched no runner and never run in any policy (${unmatched.map(([p, n]) => `${esc(p)}: ${n}`).join(", ")}).` : ""}</li>
<li>Protected refs other than the default branch are known only when given with <code>--protected</code>; environments and their tier come from the project's deployments and environments.</li>
<li>Switchyard runs with its shipped defaults, no LLM tie-break, supervised decisions approved at once; autoscaling is not replayed.</li>
<li>${input.fetched.toLocaleString("en")} job records were read; the newest pages first, so a limit (<code>--max-jobs</code>, <code>--since</code>) keeps the most recent history.</li>
</ul>
<script type="application/json" id="what-if-data">${JSON.stringify(f).replace(/</g, "\\u003c")}</script>
</body></html>
`;
}

/** The class Switchyard serves worst against FIFO (by p95), said beside the gain: priority has a price. */
function costOf(f: WhatIfFigures): string {
  const fifo = f.policies.find((p) => p.policy === "fifo"), sy = f.policies.find((p) => p.policy === "switchyard");
  let worst: { cls: string; sy: number; fifo: number } | null = null;
  for (const c of f.classes) {
    const a = sy?.byClass[c.jobClass]?.p95, b = fifo?.byClass[c.jobClass]?.p95;
    if (a !== undefined && b !== undefined && a > b && (worst === null || a - b > worst.sy - worst.fifo)) worst = { cls: c.jobClass, sy: a, fifo: b };
  }
  return worst ? ` The price: <b>${esc(worst.cls)}</b> jobs' p95 would have been ${formatWait(worst.sy)} against ${formatWait(worst.fifo)}.` : "";
}

function fleetSource(fleet: WhatIfReportInput["fleet"]): string {
  if (fleet.source === "flags") return "Runners as given with --runners.";
  if (fleet.source === "gitlab") return "Runners as GitLab reports them (GET /runners/all), grouped by tag set.";
  const inferred = fleet.inferredRunners ?? 0;
  return "The runners that ran these jobs (the token may not list every runner: GET /runners/all needs an administrator), grouped by tag set" +
    (inferred ? `; ${inferred} of them GitLab would not show, so their tags are those of the jobs they ran.` : ".");
}

function table(head: readonly string[], rows: readonly string[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

function row(cells: readonly string[], cls = ""): string {
  return `<tr${cls ? ` class="${cls}"` : ""}>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
