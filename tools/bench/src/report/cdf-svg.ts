import { waitSeconds } from "./summarize.js";
import { cdfPoints } from "./stats.js";
import type { LoadRun } from "../bench/policy-bench.js";
import { escapeXml } from "./svg-text.js";

const COLORS = ["#d62728", "#ff7f0e", "#9467bd", "#1f77b4", "#2ca02c", "#8c564b", "#17becf"];
const TICKS: [number, string][] = [[0, "0"], [10, "10s"], [60, "1m"], [300, "5m"], [900, "15m"], [3600, "1h"], [14400, "4h"], [43200, "12h"]];
const W = 300, H = 220, PAD = { l: 42, r: 10, t: 28, b: 36 };

/**
 * Wait-time CDFs, one panel per job class (and "all"), one line per policy, for one load.
 * The x axis is log(1 + wait) so that both the zero-wait share and the tail are visible.
 * Plain SVG text, no browser needed; `notice` goes in a <desc> and a footer line.
 */
export function cdfSvg(load: LoadRun, notice: string): string {
  const classes = ["all", ...new Set(load.runs.flatMap((r) => Object.keys(r.summary.byClass)))];
  const waitsOf = (run: LoadRun["runs"][number], cls: string): number[] =>
    run.result.jobs.filter((j) => cls === "all" || j.jobClass === cls).map(waitSeconds).filter((w): w is number => w !== null);
  const cols = Math.min(classes.length, 4);
  const rowsN = Math.ceil(classes.length / cols);
  const width = cols * W;
  const height = rowsN * H + 60;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
    `<desc>${escapeXml(notice)}</desc>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="16" font-size="13" font-weight="bold">Wait-time CDF per class, load "${escapeXml(load.name)}" (arrivals ×${load.compression.toFixed(2)})</text>`,
  ];
  classes.forEach((cls, i) => {
    const ox = (i % cols) * W, oy = 24 + Math.floor(i / cols) * H;
    const series = load.runs.map((run) => ({ name: run.summary.policy, pts: cdfPoints(waitsOf(run, cls), 300) }));
    const maxWait = Math.max(60, ...series.flatMap((s) => s.pts.map((p) => p[0])));
    const xMax = Math.log10(1 + maxWait);
    const px = (w: number): number => ox + PAD.l + (Math.log10(1 + w) / xMax) * (W - PAD.l - PAD.r);
    const py = (f: number): number => oy + PAD.t + (1 - f) * (H - PAD.t - PAD.b);
    parts.push(`<text x="${ox + PAD.l}" y="${oy + 18}" font-size="12" font-weight="bold">${escapeXml(cls)}</text>`);
    for (const f of [0, 0.25, 0.5, 0.75, 0.95, 1]) {
      parts.push(`<line x1="${px(0)}" x2="${px(maxWait)}" y1="${py(f)}" y2="${py(f)}" stroke="#eee"/>`,
        `<text x="${ox + PAD.l - 4}" y="${py(f) + 3}" text-anchor="end">${f}</text>`);
    }
    for (const [t, label] of TICKS.filter(([t]) => t <= maxWait)) {
      parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${py(0)}" y2="${py(0) + 4}" stroke="#333"/>`,
        `<text x="${px(t)}" y="${py(0) + 14}" text-anchor="middle">${label}</text>`);
    }
    parts.push(`<rect x="${px(0)}" y="${py(1)}" width="${px(maxWait) - px(0)}" height="${py(0) - py(1)}" fill="none" stroke="#333"/>`,
      `<text x="${ox + W / 2}" y="${oy + H - 6}" text-anchor="middle">wait (log scale)</text>`);
    series.forEach((s, k) => {
      if (s.pts.length === 0) return;
      let d = `M${px(0).toFixed(1)},${py(0).toFixed(1)}`;
      let prevF = 0;
      for (const [w, f] of s.pts) { d += `L${px(w).toFixed(1)},${py(prevF).toFixed(1)}L${px(w).toFixed(1)},${py(f).toFixed(1)}`; prevF = f; }
      parts.push(`<path d="${d}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.5"/>`);
    });
  });
  const legendY = height - 26;
  load.runs.forEach((run, k) => {
    const x = 10 + k * 160;
    parts.push(`<line x1="${x}" x2="${x + 20}" y1="${legendY}" y2="${legendY}" stroke="${COLORS[k % COLORS.length]}" stroke-width="3"/>`,
      `<text x="${x + 25}" y="${legendY + 4}">${escapeXml(run.summary.policy)}</text>`);
  });
  parts.push(`<text x="10" y="${height - 8}" fill="#555">${escapeXml(notice)}</text>`, "</svg>");
  return parts.join("\n") + "\n";
}
