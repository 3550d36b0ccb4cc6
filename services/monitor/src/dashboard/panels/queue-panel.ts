import { formatDuration } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import type { PoolQueue } from "../read-queues.js";

/** Per pool: depth, each class with its count and oldest wait, and the head of the queue. */
export function renderQueuePanel(input: { queues: readonly PoolQueue[]; at: number }): SafeHtml {
  const total = input.queues.reduce((a, q) => a + q.depth, 0);
  return html`<section class="panel" id="queue-panel">
  <h2>Queue <span class="summary" data-testid="queue-total">${total} waiting</span></h2>
  ${input.queues.length === 0 ? html`<p class="empty">No pools (no runners reported yet).</p>` : input.queues.map((q) => html`
  <div class="pool" data-pool="${q.pool}">
    <h3>${q.pool} <span class="summary">${q.depth} waiting</span></h3>
    ${q.depth === 0 ? html`<p class="empty">empty</p>` : html`
    <table><thead><tr><th>class</th><th class="num">waiting</th><th class="num">oldest wait</th></tr></thead><tbody>
      ${q.classes.map((c) => html`<tr data-class="${c.jobClass}"><td><span class="cls">${c.jobClass}</span></td><td class="num">${c.waiting}</td>
        <td class="num">${Number.isNaN(c.oldestArrivedAt) ? "–" : formatDuration(input.at - c.oldestArrivedAt)}</td></tr>`)}
    </tbody></table>
    <ol class="head">${q.head.map((j) => html`<li><span class="job-id">#${j.jobId}</span> <span class="job-name">${j.name}</span>
      <span class="cls">${j.jobClass}</span> <span class="muted">${formatDuration(input.at - j.arrivedAt)}</span></li>`)}</ol>`}
  </div>`)}
</section>`;
}
