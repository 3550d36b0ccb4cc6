import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { Registry } from "prom-client";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { createLogger, createMetrics } from "@switchyard/runtime";
import { renderRunnerMetrics } from "../../../libs/gitlab-sim/src/fleet/runner-metrics.js";
import { createAssignerMetrics } from "../../../services/assigner/src/assigner-metrics.js";
import { createLlmMetrics } from "../../../services/assigner/src/deciding/llm/llm-metrics.js";
import { createBurnRateTracker } from "../../../services/optimizer/src/burn-rate.js";
import { createCapacityMetrics } from "../../../services/optimizer/src/capacity/capacity-metrics.js";
import { createSliMetrics } from "../../../services/optimizer/src/sli-metrics.js";
import { createScorerMetrics } from "../../../services/scorer/src/metrics.js";
import { createMonitorMetrics } from "../../../services/monitor/src/monitor-metrics.js";
import { alertRules, analysePromQl, grafanaPanels } from "./promql-references.js";

const compose = (path: string) => fileURLToPath(new URL(`../../../deploy/compose/${path}`, import.meta.url));
const readYaml = <T>(path: string) => parseYaml(readFileSync(compose(path), "utf8")) as T;

/** Metric name → its label names and whether it is a histogram (so _bucket/_sum/_count exist). */
type Catalogue = Map<string, { labels: Set<string>; histogram: boolean }>;

/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = new Set(["job", "instance"]);
/** Labels runners.yml (file_sd) attaches to the gitlab-runner job's series only. */
const RUNNER_TARGET_LABELS = ["pool", "runner_id"];
const BUILTIN = new Map([["up", new Set<string>()], ["ALERTS", new Set(["alertname", "alertstate", "severity"])]]);

/** Collects every metric the agents really export, from their own registries, and the simulated runners' exposition. */
async function realMetrics(): Promise<Catalogue> {
  const catalogue: Catalogue = new Map();
  const registries: Registry[] = [];
  const agent = (name: string, register: (r: Registry) => void) => {
    const { registry } = createMetrics(name);
    register(registry);
    registries.push(registry);
  };
  const known = { pools: ["linux"] };
  agent("assigner", (r) => { createAssignerMetrics(r, known); createLlmMetrics(r); });
  agent("scorer", (r) => { createScorerMetrics(r, known); });
  agent("monitor", (r) => { createMonitorMetrics(r); });
  agent("optimizer", (r) => {
    createSliMetrics({
      registry: r, burnRates: createBurnRateTracker({ retainMs: 3_600_000 }), targets: [{ jobClass: "production-deploy", thresholdSeconds: 30, objective: 0.95 }],
      known: { pools: ["linux"], jobClasses: ["production-deploy"] },
    });
    createCapacityMetrics({ registry: r, readPools: async () => [], known: { pools: ["linux"], autoscaledPools: [], jobClasses: [] }, log: createLogger({ name: "t", level: "silent" }) });
  });
  for (const registry of registries) {
    for (const m of await registry.getMetricsAsJSON()) {
      const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] } | undefined;
      catalogue.set(m.name, { labels: new Set([...(metric?.labelNames ?? []), "agent"]), histogram: String(m.type) === "histogram" });
    }
  }
  const runnerText = renderRunnerMetrics({
    runnerId: "r-001", systemId: "s_1", limit: 2, running: 1, jobsTotal: 3, failedJobsTotal: 1, errorsTotal: 0,
    durations: [12, 400], diskSizeBytes: 1e11, diskUsedRatio: 0.3,
  });
  for (const family of parsePrometheusTextFormat(runnerText)) {
    const labels = new Set(family.metrics.flatMap((s) => Object.keys(s.labels ?? {})));
    catalogue.set(family.name, { labels: new Set([...labels, ...RUNNER_TARGET_LABELS]), histogram: family.type === "HISTOGRAM" });
  }
  return catalogue;
}

/** Resolves a name used in PromQL to an exported metric (histogram series suffixes included), or null. */
function lookUp(catalogue: Catalogue, name: string): { labels: Set<string>; bucket: boolean } | null {
  const builtin = BUILTIN.get(name);
  if (builtin) return { labels: builtin, bucket: false };
  const direct = catalogue.get(name);
  if (direct) return { labels: direct.labels, bucket: false };
  const suffix = /_(bucket|sum|count)$/.exec(name);
  const base = suffix ? catalogue.get(name.slice(0, -suffix[0].length)) : undefined;
  return base?.histogram ? { labels: base.labels, bucket: suffix?.[1] === "bucket" } : null;
}

/** Every problem with one expression: unknown metric names and labels no metric in it carries. */
function problemsOf(catalogue: Catalogue, where: string, expr: string): string[] {
  const { metrics, grouping, matchers } = analysePromQl(expr);
  const problems: string[] = [];
  if (metrics.length === 0) problems.push(`${where}: reads no metric: ${expr}`);
  const allowed = new Set(TARGET_LABELS);
  for (const name of metrics) {
    const found = lookUp(catalogue, name);
    if (!found) problems.push(`${where}: unknown metric ${name}`);
    else {
      found.labels.forEach((l) => allowed.add(l));
      if (found.bucket) allowed.add("le");
    }
  }
  for (const label of grouping) if (!allowed.has(label)) problems.push(`${where}: groups by ${label}, which none of ${metrics.join(", ")} has`);
  for (const [name, label] of matchers) {
    const found = lookUp(catalogue, name);
    if (found && !found.labels.has(label) && !TARGET_LABELS.has(label) && !(found.bucket && label === "le")) problems.push(`${where}: ${name} has no label ${label}`);
  }
  return problems;
}

describe("Prometheus and Grafana files", () => {
  let catalogue: Catalogue;
  beforeAll(async () => { catalogue = await realMetrics(); });

  it("uses only metric names and labels that an agent or a runner really exports, in every dashboard panel", () => {
    const problems = grafanaPanels().flatMap((p) => (p.targets ?? []).flatMap((t) => problemsOf(catalogue, `panel "${p.title}"`, t.expr)));
    expect(problems).toEqual([]);
  });

  it("uses only metric names and labels that an agent really exports, in every alert rule", () => {
    const problems = alertRules().flatMap((r) => problemsOf(catalogue, `alert ${r.alert}`, r.expr));
    expect(problems).toEqual([]);
  });

  it("flags a name no agent exports and a label its metric lacks", () => {
    expect(problemsOf(catalogue, "x", "rate(switchyard_jobs_started_total[5m])")).toEqual(["x: unknown metric switchyard_jobs_started_total"]);
    expect(problemsOf(catalogue, "x", "sum by (runner) (switchyard_decisions_total{mode=\"llm\"})")).toEqual([
      "x: groups by runner, which none of switchyard_decisions_total has",
    ]);
    expect(problemsOf(catalogue, "x", "max by (pool) (switchyard_breaker_state)")).toEqual(["x: groups by pool, which none of switchyard_breaker_state has"]);
    expect(problemsOf(catalogue, "x", "sum by (pool, runner_id) (gitlab_runner_jobs) / sum by (pool) (gitlab_runner_limit)")).toEqual([]);
    expect(problemsOf(catalogue, "x", "histogram_quantile(0.9, sum by (le) (rate(switchyard_decision_seconds_bucket[5m])))")).toEqual([]);
    expect(problemsOf(catalogue, "x", "switchyard_queue_depth_bucket")).toEqual(["x: unknown metric switchyard_queue_depth_bucket"]);
  });

  it("has dashboard panels for jobs started, job duration, runner capacity, queue time by class, decisions by mode and the breaker", () => {
    const titles = grafanaPanels().map((p) => p.title.toLowerCase());
    for (const topic of ["jobs started", "job duration", "jobs / limit per runner", "jobs / limit per pool", "queue time by class", "decisions by mode", "breaker state"]) {
      expect(titles.some((t) => t.includes(topic)), topic).toBe(true);
    }
  });

  it("alerts on the queue-time SLI counter, its burn rate and an open breaker", () => {
    const exprs = alertRules().map((r) => r.expr).join("\n");
    expect(exprs).toContain("switchyard_acceptable_job_queuing_duration_exceeded_total");
    expect(exprs).toContain("switchyard_sli_burn_rate");
    expect(exprs).toMatch(/switchyard_breaker_state\)?\s*==\s*1/);
  });

  it("scrapes every agent on 9400, loads the alert rules, and reaches each listed runner's metrics path on sim-runners", () => {
    type Scrape = { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[];
      file_sd_configs?: { files: string[] }[]; relabel_configs?: { source_labels?: string[]; target_label: string; replacement?: string }[] };
    const config = readYaml<{ rule_files: string[]; scrape_configs: Scrape[] }>("prometheus/prometheus.yml");
    expect(config.rule_files).toContain("/etc/prometheus/alerts.yml");
    const byJob = new Map(config.scrape_configs.map((s) => [s.job_name, s]));
    for (const agent of ["assigner", "scorer", "monitor", "optimizer"]) {
      const job = byJob.get(agent);
      const targets = [...(job?.static_configs ?? []).flatMap((c) => c.targets), ...(job?.dns_sd_configs ?? []).flatMap((c) => c.names.map((n) => `${n}:${c.port}`))];
      expect(targets, agent).toEqual([`${agent}:9400`]);
    }
    const runners = byJob.get("gitlab-runner");
    expect(runners?.file_sd_configs?.[0]?.files).toEqual(["/etc/prometheus/runners.yml"]);
    const pathRule = runners?.relabel_configs?.find((r) => r.target_label === "__metrics_path__");
    const groups = readYaml<{ targets: string[]; labels: { pool: string; runner_id: string } }[]>("prometheus/runners.yml");
    expect(groups.length).toBeGreaterThanOrEqual(3);
    for (const g of groups) {
      expect(g.targets).toEqual(["sim-runners:9252"]);
      expect(g.labels.pool).toMatch(/^[a-z]+$/);
      expect(pathRule?.replacement?.replace("${1}", g.labels.runner_id)).toBe(`/runners/${g.labels.runner_id}/metrics`);
    }
  });

  it("queries through the datasource variable, filled from __inputs on import and the default Prometheus when provisioned", () => {
    type Dashboard = { __inputs: { name: string; type: string; pluginId: string }[];
      templating: { list: { name: string; type: string; query: unknown; current?: { value: unknown }; datasource?: unknown }[] } };
    const raw = readFileSync(compose("grafana/dashboards/switchyard.json"), "utf8");
    const dashboard = JSON.parse(raw) as Dashboard;
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" })]);
    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.get("datasource")).toMatchObject({ type: "datasource", query: "prometheus", current: { value: "${DS_PROMETHEUS}" } });
    const viaVariable = { type: "prometheus", uid: "${datasource}" };
    expect(variables.get("pool")?.datasource).toEqual(viaVariable);
    for (const panel of grafanaPanels()) {
      expect(panel.datasource, panel.title).toEqual(viaVariable);
      for (const target of panel.targets ?? []) expect(target.datasource, panel.title).toEqual(viaVariable);
    }
    // Only the datasource variable's value names the input; panels never hard-code a datasource.
    expect(new Set([...raw.matchAll(/\$\{DS_[A-Z_]+\}/g)].map((m) => m[0]))).toEqual(new Set(["${DS_PROMETHEUS}"]));
    expect(raw).not.toContain("switchyard-prometheus");
    const ds = readYaml<{ datasources: { type: string; url: string; isDefault: boolean }[] }>("grafana/provisioning/datasources/prometheus.yml").datasources;
    expect(ds).toEqual([expect.objectContaining({ type: "prometheus", url: "http://prometheus:9090", isDefault: true })]);
    const provider = readYaml<{ providers: { options: { path: string } }[] }>("grafana/provisioning/dashboards/switchyard.yml").providers[0];
    expect(provider?.options.path).toBe("/var/lib/grafana/dashboards");
  });

  it("filters by the pool variable in every query of a metric that has a pool label, and lists pools from a gauge every pool has", () => {
    const dashboard = JSON.parse(readFileSync(compose("grafana/dashboards/switchyard.json"), "utf8")) as { templating: { list: { name: string; definition?: string }[] } };
    const pool = dashboard.templating.list.find((v) => v.name === "pool");
    expect(pool?.definition).toBe("label_values(switchyard_pool_job_limit, pool)");
    const problems: string[] = [];
    for (const panel of grafanaPanels()) {
      for (const { expr } of panel.targets ?? []) {
        for (const name of new Set(analysePromQl(expr).metrics)) {
          if (!lookUp(catalogue, name)?.labels.has("pool")) continue;
          const selectors = [...expr.matchAll(new RegExp(`\\b${name}(?![\\w:])(\\{[^}]*\\})?`, "g"))];
          if (selectors.some((m) => !m[1]?.includes('pool=~"$pool"'))) problems.push(`panel "${panel.title}": ${name} without pool=~"$pool"`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
