import type { RunnerState } from "@switchyard/contracts";
import { formatDuration, percent } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import type { JobMetaView } from "../read-queues.js";

/** The state a runner card shows, most severe first. */
export type RunnerDisplayState = "offline" | "paused" | "draining" | "healthy";

/** Offline when unhealthy or GitLab says so; then paused, draining, healthy. */
export function runnerDisplayState(r: RunnerState): RunnerDisplayState {
  if (!r.healthy || r.status === "offline" || r.status === "stale") return "offline";
  if (r.paused) return "paused";
  if (r.draining) return "draining";
  return "healthy";
}

/** A labelled horizontal bar; `level` colours it (ok, warn, full). */
function bar(label: SafeHtml, ratio: number, level: "ok" | "warn" | "full", testId: string): SafeHtml {
  const width = percent(ratio);
  return html`<div class="bar-row"><span class="bar-label">${label}</span>
    <span class="bar bar-${level}" role="meter" aria-valuenow="${width}" aria-valuemin="0" aria-valuemax="100" data-testid="${testId}"><span style="width:${width}%"></span></span></div>`;
}

function jobsBar(r: RunnerState): SafeHtml {
  const ratio = r.limit > 0 ? r.running / r.limit : 0;
  const level = r.limit > 0 && r.running >= r.limit ? "full" : ratio >= 0.75 ? "warn" : "ok";
  return bar(html`jobs <b>${r.running}</b> / ${r.limit > 0 ? r.limit : "∞"}`, ratio, level, "jobs-bar");
}

function diskBar(r: RunnerState, diskThreshold: number): SafeHtml {
  if (r.diskUsedRatio === null) return html`<div class="bar-row"><span class="bar-label">disk</span><span class="muted">unknown</span></div>`;
  const level = r.diskUsedRatio >= diskThreshold ? "full" : r.diskUsedRatio >= diskThreshold * 0.8 ? "warn" : "ok";
  return bar(html`disk <b>${percent(r.diskUsedRatio)}%</b>`, r.diskUsedRatio, level, "disk-bar");
}

function runningJobs(r: RunnerState, jobs: ReadonlyMap<number, JobMetaView>): SafeHtml {
  if (r.runningJobIds.length === 0) return html`<p class="idle">idle</p>`;
  const shown = r.runningJobIds.slice(0, 5);
  return html`<ul class="jobs">${shown.map((id) => {
    const meta = jobs.get(id);
    return meta
      ? html`<li title="${meta.projectPath ?? ""}"><span class="job-id">#${id}</span> <span class="job-name">${meta.name}</span> <span class="cls">${meta.jobClass}</span></li>`
      : html`<li><span class="job-id">#${id}</span></li>`;
  })}${r.runningJobIds.length > shown.length ? html`<li class="muted">+${r.runningJobIds.length - shown.length} more</li>` : null}</ul>`;
}

/** The runner grid: one card per runner with jobs/limit and disk bars, state and current jobs. */
export function renderRunnersPanel(input: {
  runners: readonly RunnerState[];
  runningJobs: ReadonlyMap<number, JobMetaView>;
  diskThreshold: number;
  at: number;
}): SafeHtml {
  const { runners } = input;
  const counts = new Map<RunnerDisplayState, number>();
  for (const r of runners) counts.set(runnerDisplayState(r), (counts.get(runnerDisplayState(r)) ?? 0) + 1);
  const running = runners.reduce((a, r) => a + r.running, 0);
  const limit = runners.reduce((a, r) => a + r.limit, 0);
  return html`<section class="panel" id="runners-panel">
  <h2>Runners <span class="summary">${runners.length} runners · ${running} / ${limit} jobs ·
    ${(["healthy", "draining", "paused", "offline"] as const).map((s) => html`<span class="badge state-${s}">${counts.get(s) ?? 0} ${s}</span> `)}</span></h2>
  ${runners.length === 0 ? html`<p class="empty">No runner state in Redis yet.</p>` : html`<div class="grid">${runners.map((r) => {
    const state = runnerDisplayState(r);
    return html`<article class="runner state-${state}" data-runner="${r.runnerId}" data-state="${state}" title="updated ${formatDuration(input.at - r.updatedAt)} ago">
      <header><strong class="runner-id">${r.runnerId}</strong><span class="badge state-${state}">${state}</span></header>
      <p class="muted small line">${r.pool}${r.description ? html` · ${r.description}` : null}${r.cpus ? html` · ${r.cpus} CPU` : null}${r.memoryGiB ? html` · ${r.memoryGiB} GiB` : null}</p>
      ${jobsBar(r)}
      ${diskBar(r, input.diskThreshold)}
      ${runningJobs(r, input.runningJobs)}
    </article>`;
  })}</div>`}
</section>`;
}
