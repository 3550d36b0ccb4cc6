import { formatSeconds } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import type { SliRow } from "../sli-estimate.js";

/** Queue-time SLI per pool and class: jobs, threshold exceeded, p50/p95 estimated from buckets. */
export function renderSliPanel(input: { sli: readonly SliRow[] }): SafeHtml {
  return html`<section class="panel" id="sli-panel">
  <h2>Queue-time SLI</h2>
  ${input.sli.length === 0 ? html`<p class="empty">No queue times recorded yet.</p>` : html`
  <table><thead><tr><th>pool</th><th>class</th><th class="num">jobs</th><th class="num">exceeded</th><th class="num">over target</th><th class="num">p50</th><th class="num">p95</th></tr></thead><tbody>
  ${input.sli.map((row) => {
    const share = row.jobs > 0 ? row.exceeded / row.jobs : 0;
    return html`<tr data-sli="${row.pool}/${row.jobClass}">
      <td>${row.pool}</td><td><span class="cls">${row.jobClass}</span></td><td class="num">${row.jobs}</td>
      <td class="num ${share > 0.05 ? "bad" : ""}">${row.exceeded}${row.jobs > 0 ? html` <span class="muted small">(${(share * 100).toFixed(1)}%)</span>` : null}</td>
      <td class="num">${row.overTarget}</td><td class="num">${formatSeconds(row.p50)}</td><td class="num">${formatSeconds(row.p95)}</td>
    </tr>`;
  })}
  </tbody></table>
  <p class="muted small">p50/p95 are estimated from histogram buckets (1s … 1h), as histogram_quantile does.</p>`}
</section>`;
}
