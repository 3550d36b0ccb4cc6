import type { AutoscaleRun, FrontierPoint } from "../bench/autoscale-bench.js";
import { escapeXml } from "./svg-text.js";

const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"];
const W = 420, H = 300, PAD = { l: 52, r: 16, t: 30, b: 40 };
const LEGEND_PER_ROW = 2;

/** The figures a panel can plot against machine-hours. */
const PANELS: { title: (top: string) => string; value: (p: FrontierPoint) => number }[] = [
  { title: (top) => `${top} p95 wait (s)`, value: (p) => p.topP95 },
  { title: () => "all jobs: mean wait (s)", value: (p) => p.overallMean },
];

/**
 * The cost/wait frontier of each autoscaled load: machine-hours on x, wait on y, one line per policy
 * through its knob settings (labelled). Lower-left is better. Plain SVG text, no browser needed.
 */
export function frontierSvg(loads: readonly { name: string; run: AutoscaleRun }[], topClass: string, notice: string): string {
  const width = PANELS.length * W;
  const height = loads.length * H + 84;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
    `<desc>${escapeXml(notice)}</desc>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="16" font-size="13" font-weight="bold">Autoscaling: wait against machine-hours (lower left is better)</text>`,
  ];
  loads.forEach(({ name, run }, row) => {
    PANELS.forEach((panel, col) => {
      const ox = col * W, oy = 24 + row * H;
      const all = run.lines.flatMap((l) => l.points);
      const xMax = niceMax(Math.max(1, ...all.map((p) => p.machineHours)));
      const yMax = niceMax(Math.max(1, ...all.map(panel.value)));
      const px = (h: number) => ox + PAD.l + (h / xMax) * (W - PAD.l - PAD.r);
      const py = (s: number) => oy + PAD.t + (1 - s / yMax) * (H - PAD.t - PAD.b);
      parts.push(`<text x="${ox + PAD.l}" y="${oy + 18}" font-size="12" font-weight="bold">${escapeXml(panel.title(topClass))}, load "${escapeXml(name)}" (×${run.compression.toFixed(2)})</text>`);
      for (let k = 0; k <= 4; k++) {
        const y = (yMax * k) / 4, x = (xMax * k) / 4;
        parts.push(`<line x1="${px(0)}" x2="${px(xMax)}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/>`,
          `<text x="${px(0) - 4}" y="${py(y) + 3}" text-anchor="end">${Math.round(y)}</text>`,
          `<text x="${px(x)}" y="${py(0) + 14}" text-anchor="middle">${Math.round(x)}</text>`);
      }
      parts.push(`<rect x="${px(0)}" y="${py(yMax)}" width="${px(xMax) - px(0)}" height="${py(0) - py(yMax)}" fill="none" stroke="#333"/>`,
        `<text x="${ox + W / 2}" y="${oy + H - 8}" text-anchor="middle">machine-hours</text>`);
      const labels = createLabelPlacer();
      run.lines.forEach((line, k) => {
        const color = COLORS[k % COLORS.length];
        const pts = [...line.points].sort((a, b) => a.machineHours - b.machineHours);
        // The line is the policy's frontier: the settings no cheaper setting beats on this wait. A costlier,
        // slower setting is drawn as a hollow point, not joined, so the line never suggests that paying more
        // made waits longer.
        const frontier = paretoFront(pts, panel.value);
        parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${frontier.map((p) => `${px(p.machineHours).toFixed(1)},${py(panel.value(p)).toFixed(1)}`).join(" ")}"/>`);
        for (const p of pts) {
          const x = px(p.machineHours), y = py(panel.value(p));
          const onFront = frontier.includes(p);
          parts.push(onFront
            ? `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="${color}"/>`
            : `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="white" stroke="${color}"/>`);
          // Labels that would overprint one already placed are left off; the JSON and the table have every point.
          if (labels.place(x + 4, y - 4, p.knob)) {
            parts.push(`<text x="${(x + 4).toFixed(1)}" y="${(y - 4).toFixed(1)}" fill="${color}" font-size="8">${escapeXml(p.knob)}</text>`);
          }
        }
      });
    });
  });
  const legendY = height - 44;
  (loads[0]?.run.lines ?? []).forEach((line, k) => {
    const x = 10 + (k % LEGEND_PER_ROW) * W, y = legendY + Math.floor(k / LEGEND_PER_ROW) * 14;
    parts.push(`<line x1="${x}" x2="${x + 20}" y1="${y}" y2="${y}" stroke="${COLORS[k % COLORS.length]}" stroke-width="3"/>`,
      `<text x="${x + 25}" y="${y + 4}">${escapeXml(line.name)}</text>`);
  });
  parts.push(`<text x="10" y="${height - 10}" fill="#555">${escapeXml(notice)}</text>`, "</svg>");
  return parts.join("\n") + "\n";
}

/** A round axis maximum: 1, 2 or 5 times a power of ten, at least `v`. */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v) ?? 10 * p;
}

/** The points no cheaper-or-equal point beats on `value`, by cost: the policy's cost/wait frontier. */
export function paretoFront(points: readonly FrontierPoint[], value: (p: FrontierPoint) => number): FrontierPoint[] {
  const front: FrontierPoint[] = [];
  const byCost = [...points].sort((a, b) => a.machineHours - b.machineHours || value(a) - value(b));
  for (const p of byCost) if (front.length === 0 || value(p) < value(front[front.length - 1]!)) front.push(p);
  return front;
}

/** Places 8 px labels left to right, refusing one that would overlap a label already placed. */
function createLabelPlacer(): { place(x: number, y: number, text: string): boolean } {
  const boxes: { x0: number; x1: number; y0: number; y1: number }[] = [];
  return {
    place(x, y, text) {
      const box = { x0: x, x1: x + text.length * 4.4, y0: y - 8, y1: y + 1 };
      if (boxes.some((b) => box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1)) return false;
      boxes.push(box);
      return true;
    },
  };
}
