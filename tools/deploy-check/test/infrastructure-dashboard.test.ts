import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const compose = resolve(import.meta.dirname, "../../../deploy/compose");

interface Panel { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string; datasource?: { uid: string } }[] }

describe("the Switchyard infrastructure dashboard (NATS and Redis exporters)", () => {
  const dashboard = JSON.parse(readFileSync(join(compose, "grafana/dashboards/infrastructure.json"), "utf8")) as {
    __inputs: { name: string }[]; templating: { list: { name: string; type: string }[] }; panels: Panel[];
  };
  const prometheus = parse(readFileSync(join(compose, "prometheus/prometheus.yml"), "utf8")) as { scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[] };
  const services = (parse(readFileSync(join(compose, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, unknown> }).services;

  it("imports into any Grafana: a datasource input and variable that every query uses", () => {
    expect(dashboard.__inputs.map((i) => i.name)).toEqual(["DS_PROMETHEUS"]);
    expect(dashboard.templating.list.find((v) => v.type === "datasource")?.name).toBe("datasource");
    const queries = dashboard.panels.filter((p) => p.type !== "row");
    expect(queries.length).toBeGreaterThanOrEqual(10);
    for (const p of queries) {
      expect(p.datasource?.uid, p.title).toBe("${datasource}");
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe("${datasource}");
    }
  });

  it("reads only what the two exporters export, and Prometheus scrapes both from services compose runs", () => {
    for (const p of dashboard.panels.filter((panel) => panel.type !== "row")) {
      for (const t of p.targets ?? []) {
        const metrics = t.expr.match(/[a-z_]+(?=[{[(\s]|$)/g)?.filter((m) => !["rate", "by", "max", "sum"].includes(m)) ?? [];
        expect(metrics.length, p.title).toBeGreaterThan(0);
        for (const m of metrics) expect(m, p.title).toMatch(/^(gnatsd_|jetstream_|redis_|up$)/);
      }
    }
    const targets = Object.fromEntries(prometheus.scrape_configs.map((c) => [c.job_name, c.static_configs?.[0]?.targets[0]]));
    expect(targets.nats).toBe("nats-exporter:7777");
    expect(targets.redis).toBe("redis-exporter:9121");
    expect(Object.keys(services)).toEqual(expect.arrayContaining(["nats-exporter", "redis-exporter"]));
  });
});
