import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics, initialiseSeries, labelGrid } from "../src/index.js";

describe("agent metrics", () => {
  it("exports the default process metrics under their standard names, told apart by the agent label", async () => {
    const { registry } = createMetrics("scorer");
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total\{agent="scorer"\} /m);
    expect(text).toMatch(/^process_resident_memory_bytes\{agent="scorer"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds\{agent="scorer"\} /m);
    expect(text).not.toContain("switchyard_process_");
  });

  it("crosses every known label value into one label set per combination", () => {
    expect(labelGrid({ pool: ["linux", "gpu"], mode: ["rule", "llm"] })).toEqual([
      { pool: "linux", mode: "rule" }, { pool: "linux", mode: "llm" }, { pool: "gpu", mode: "rule" }, { pool: "gpu", mode: "llm" },
    ]);
    expect(labelGrid({ pool: [] })).toEqual([]);
  });

  it("creates counter, gauge and histogram series at 0 without touching a counter that already counted", async () => {
    const registry = new Registry();
    const counter = new Counter({ name: "t_total", help: "t", labelNames: ["to"] as const, registers: [registry] });
    const gauge = new Gauge({ name: "t_depth", help: "t", labelNames: ["pool"] as const, registers: [registry] });
    const histogram = new Histogram({ name: "t_seconds", help: "t", labelNames: ["pool"] as const, buckets: [1], registers: [registry] });
    counter.inc({ to: "open" }, 2);
    initialiseSeries(counter, { to: ["open", "closed"] });
    initialiseSeries(gauge, { pool: ["linux"] });
    initialiseSeries(histogram, { pool: ["linux"] });
    const text = await registry.metrics();
    expect(text).toContain('t_total{to="open"} 2');
    expect(text).toContain('t_total{to="closed"} 0');
    expect(text).toContain('t_depth{pool="linux"} 0');
    expect(text).toContain('t_seconds_bucket{le="+Inf",pool="linux"} 0');
    expect(text).toContain('t_seconds_count{pool="linux"} 0');
  });
});
