import type { ShadowFifoReport } from "@switchyard/contracts";
import { formatDuration, formatSeconds } from "../format.js";
import { html, type SafeHtml } from "../html.js";

/** Better or worse than FIFO only by a margin a reader would call a difference (10% and half a second). */
function versus(live: number, fifo: number): string {
  const apart = Math.abs(live - fifo) >= Math.max(0.5, 0.1 * Math.max(live, fifo));
  return !apart ? "" : live < fifo ? "good" : "worse";
}

const CHART = { width: 420, labelWidth: 130, barHeight: 9, gap: 3, rowGap: 8 } as const;

/** Two bars per class on one scale: p95 under Switchyard, p95 under the shadow FIFO. */
function chart(report: ShadowFifoReport): SafeHtml {
  const max = Math.max(1e-9, ...report.classes.flatMap((c) => [c.live.p95, c.fifo.p95]));
  const span = CHART.width - CHART.labelWidth - 60;
  const rowHeight = 2 * CHART.barHeight + CHART.gap + CHART.rowGap;
  const height = report.classes.length * rowHeight;
  const bar = (y: number, value: number, cls: string) => {
    const w = Math.max(1, Math.round((value / max) * span));
    return html`<rect class="${cls}" x="${CHART.labelWidth}" y="${y}" width="${w}" height="${CHART.barHeight}" rx="2"></rect>
      <text class="value" x="${CHART.labelWidth + w + 4}" y="${y + CHART.barHeight - 1}">${formatSeconds(value)}</text>`;
  };
  return html`<svg class="shadow-chart" viewBox="0 0 ${CHART.width} ${height}" width="${CHART.width}" height="${height}" role="img" aria-label="p95 queue time per class: Switchyard against FIFO">
  ${report.classes.map((c, i) => {
    const y = i * rowHeight;
    return html`<g data-chart-class="${c.jobClass}"><text class="label" x="0" y="${y + CHART.barHeight + 2}">${c.jobClass}</text>
      ${bar(y, c.live.p95, "live")}${bar(y + CHART.barHeight + CHART.gap, c.fifo.p95, "fifo")}</g>`;
  })}
</svg>`;
}

/**
 * Per class, the queue time jobs had under Switchyard beside what GitLab's FIFO would have given
 * the same arrivals on the same slots (the optimizer's shadow FIFO), with a p95 chart.
 */
export function renderShadowFifoPanel(input: { report: ShadowFifoReport | null; at: number }): SafeHtml {
  const { report } = input;
  const title = html`<h2>Switchyard vs FIFO <span class="summary">queue time of the same jobs</span></h2>`;
  if (!report || report.classes.length === 0) {
    return html`<section class="panel" id="shadow-fifo-panel">${title}
  <p class="empty">No jobs replayed yet${report ? html`: a job is replayed ${formatDuration(report.settleSeconds * 1000)} after it became pending` : null}.</p></section>`;
  }
  return html`<section class="panel" id="shadow-fifo-panel">${title}
  <div class="shadow">
  <table><thead><tr><th>class</th><th class="num">jobs</th><th class="num">p50 Switchyard</th><th class="num">p50 FIFO</th><th class="num">p95 Switchyard</th><th class="num">p95 FIFO</th></tr></thead><tbody>
  ${report.classes.map((c) => html`<tr data-shadow="${c.jobClass}">
    <td><span class="cls">${c.jobClass}</span></td><td class="num">${c.jobs}</td>
    <td class="num">${formatSeconds(c.live.p50)}</td><td class="num">${formatSeconds(c.fifo.p50)}</td>
    <td class="num ${versus(c.live.p95, c.fifo.p95)}">${formatSeconds(c.live.p95)}</td><td class="num">${formatSeconds(c.fifo.p95)}</td>
  </tr>`)}
  </tbody></table>
  ${chart(report)}
  </div>
  <p class="muted small"><span class="key live"></span> Switchyard <span class="key fifo"></span> FIFO (p95). Jobs that became pending in the last ${formatDuration(report.windowSeconds * 1000)}, each replayed under FIFO on its pool's slots with the run time it had, ${formatDuration(report.settleSeconds * 1000)} after it became pending; updated ${formatDuration(Math.max(0, input.at - report.at))} ago.</p>
</section>`;
}
