import type { Decision } from "@switchyard/contracts";
import { formatClock } from "../format.js";
import { html, type SafeHtml } from "../html.js";

function approvalText(d: Decision): string | null {
  if (!d.approval) return null;
  return d.approval.by ? `${d.approval.state} by ${d.approval.by}` : d.approval.state;
}

/** The latest decisions, newest first: where each job went, mode, margin and rationale. */
export function renderDecisionsPanel(input: { decisions: readonly Decision[] }): SafeHtml {
  return html`<section class="panel" id="decisions-panel">
  <h2>Latest decisions</h2>
  ${input.decisions.length === 0 ? html`<p class="empty">No decisions yet.</p>` : html`
  <table class="decisions"><thead><tr><th>time</th><th>job</th><th>class</th><th>runner</th><th>mode</th><th class="num">margin</th><th>rationale</th></tr></thead><tbody>
  ${input.decisions.map((d) => html`<tr data-decision="${d.decisionId}">
    <td class="muted">${formatClock(d.decidedAt)}</td>
    <td><span class="job-id">#${d.jobId}</span> <span class="muted">${d.pool}</span></td>
    <td><span class="cls">${d.jobClass}</span> <span class="muted small">${d.tier}</span></td>
    <td>${d.runnerId ?? "(none)"}${d.fifoRunnerId && d.fifoRunnerId !== d.runnerId ? html` <span class="muted small">FIFO: ${d.fifoRunnerId}</span>` : null}</td>
    <td><span class="badge mode-${d.mode}">${d.mode}</span>${d.enforced ? null : html` <span class="badge not-enforced">not enforced</span>`}</td>
    <td class="num">${d.margin === null ? "–" : `${(d.margin * 100).toFixed(0)}%`}</td>
    <td class="rationale">${d.rationale}${approvalText(d) ? html` <span class="muted small">(${approvalText(d)})</span>` : null}${d.fallbackReason ? html` <span class="muted small">fallback: ${d.fallbackReason}</span>` : null}</td>
  </tr>`)}
  </tbody></table>`}
</section>`;
}
