import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

// What deploy/compose's dashboard and alert rules read, for the tests that hold them to the
// metrics the agents really export (observability.test.ts, first-scrape.test.ts).

const compose = (path: string) => fileURLToPath(new URL(`../../../deploy/compose/${path}`, import.meta.url));

const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"]);

/** The metric names a PromQL expression reads, its grouping labels and its matcher labels per metric. */
export function analysePromQl(expr: string): { metrics: string[]; grouping: string[]; matchers: [string, string][] } {
  const matchers: [string, string][] = [];
  const grouping: string[] = [];
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  rest = rest.replace(/([a-zA-Z_:][\w:]*)?\s*\{([^}]*)\}/g, (_all, name: string | undefined, body: string) => {
    for (const m of body.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) matchers.push([name ?? "", m[1] ?? ""]);
    return ` ${name ?? ""} `;
  });
  rest = rest.replace(/\[[^\]]*\]/g, " ");
  rest = rest.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_all, _kw: string, labels: string) => {
    grouping.push(...labels.split(",").map((l) => l.trim()).filter(Boolean));
    return " ";
  });
  rest = rest.replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, " ");
  const metrics: string[] = [];
  for (const m of rest.matchAll(/[a-zA-Z_:][\w:]*/g)) {
    const token = m[0];
    const after = rest.slice((m.index ?? 0) + token.length);
    if (/^\s*\(/.test(after) || KEYWORDS.has(token.toLowerCase())) continue; // a function call or a keyword
    metrics.push(token);
  }
  return { metrics, grouping, matchers };
}

/** A Grafana panel as the dashboard JSON has it (rows hold nested panels). */
export interface GrafanaPanel { title: string; type: string; datasource?: unknown; panels?: GrafanaPanel[]; targets?: { expr: string; datasource?: unknown }[] }

/** Every non-row panel of the shipped dashboard. */
export function grafanaPanels(): GrafanaPanel[] {
  const dashboard = JSON.parse(readFileSync(compose("grafana/dashboards/switchyard.json"), "utf8")) as { panels: GrafanaPanel[] };
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== "row");
}

/** Every alert rule of alerts.yml. */
export function alertRules(): { alert: string; expr: string }[] {
  const file = parseYaml(readFileSync(compose("prometheus/alerts.yml"), "utf8")) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return file.groups.flatMap((g) => g.rules);
}

/** Every metric name the dashboard's queries and the alert rules read. */
export function referencedMetricNames(): string[] {
  const exprs = [...grafanaPanels().flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...alertRules().map((r) => r.expr)];
  return [...new Set(exprs.flatMap((e) => analysePromQl(e).metrics))].sort();
}
