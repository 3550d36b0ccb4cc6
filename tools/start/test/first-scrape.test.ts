import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import { subjects } from "@switchyard/contracts";
import { deleteStream } from "@switchyard/runtime";
import { deleteKeys, startNodeProcess, TEST_NATS_URL, TEST_REDIS_URL, uniquePrefix, type RunningProcess } from "@switchyard/testing";
import { referencedMetricNames } from "./promql-references.js";

// `npm start` with no workload at all: nothing has been decided, handed off or exceeded, yet the
// first scrape of each agent must already carry every metric the dashboard and the alerts read.

const prefix = uniquePrefix("scrape");
const workDir = mkdtempSync(join(tmpdir(), "switchyard-scrape-"));
let start: RunningProcess | undefined;

afterAll(async () => {
  await start?.stop("SIGINT");
  const redis = new Redis(TEST_REDIS_URL);
  await deleteKeys(redis, `${prefix}:*`);
  await redis.quit();
  const nc = await connect({ servers: TEST_NATS_URL });
  await deleteStream(nc, subjects(prefix).outcomeStream);
  await nc.drain();
  rmSync(workDir, { recursive: true, force: true });
});

/** Samples of one exposition by family name (a histogram's _bucket, _sum and _count under its own name). */
type Families = Map<string, { labels: Record<string, string>; value: number }[]>;

// parse-prometheus-text-format merges a labelled histogram's series into one without labels, so
// the few lines needed here are read directly.
async function scrape(url: string): Promise<Families> {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text();
  const histograms = new Set([...text.matchAll(/^# TYPE (\S+) histogram$/gm)].map((m) => m[1]));
  const families: Families = new Map();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const base = m[1]!.replace(/_(bucket|sum|count)$/, "");
    const family = histograms.has(base) ? base : m[1]!;
    const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    families.set(family, [...(families.get(family) ?? []), { labels, value: Number(m[3]) }]);
  }
  return families;
}

/**
 * Resolves once /readyz answers 200: the agent's loop runs, as a Kubernetes readiness probe sees it.
 * Bounded, and each probe too, so an agent that never turns ready fails naming itself and what it last
 * answered (a CI run once hung here until the test's own timeout, saying nothing).
 */
async function ready(agent: string, base: string, within = 60_000): Promise<void> {
  const deadline = Date.now() + within;
  let last = "no answer";
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch((err: unknown) => { last = (err as Error).message; return null; });
    if (res?.status === 200) return;
    if (res) last = `${res.status} ${await res.text().catch(() => "")}`.slice(0, 200);
    await new Promise((r) => setTimeout(r, 50)); // polling an HTTP probe: there is no event to await
  }
  throw new Error(`${agent} not ready within ${within} ms; /readyz last said: ${last}\n${start?.output().split("\n").slice(-30).join("\n")}`);
}

/** The family a PromQL name reads (`_bucket`, `_sum`, `_count` belong to their histogram). */
function familyOf(families: Families, name: string): string | undefined {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return families.has(base) ? base : undefined;
}

describe("the first scrape of npm start", () => {
  it("has every metric the dashboard and the alert rules read, before any job arrived, with each pool's series at 0", async () => {
    start = startNodeProcess("start", "tools/start/dist/main.js", { NATS_URL: TEST_NATS_URL, REDIS_URL: TEST_REDIS_URL },
      ["--prefix", prefix, "--work-dir", workDir, "--runners-per-pool", "1", "--rate", "0", "--light"]);
    await start.waitForOutput(/Ctrl-C stops everything/, 60_000);
    const agents = [...start.output().matchAll(/^ {2}(assigner|scorer|monitor|optimizer)\s+(http:\/\/127\.0\.0\.1:\d+)\/metrics$/gm)].map((m) => ({ agent: m[1]!, base: m[2]! }));
    expect(agents.map((a) => a.agent).sort()).toEqual(["assigner", "monitor", "optimizer", "scorer"]);

    const families: Families = new Map();
    const byAgent = new Map<string, Families>();
    for (const { agent, base } of agents) {
      await ready(agent, base);
      const scraped = await scrape(`${base}/metrics`);
      byAgent.set(agent, scraped);
      for (const [name, samples] of scraped) families.set(name, [...(families.get(name) ?? []), ...samples]);
    }
    // The runners' own gitlab-runner metrics, from the URLs the monitor is configured with.
    const monitor = parseYaml(readFileSync(join(workDir, "monitor.yaml"), "utf8")) as { fleet: { pool: string; metricsUrl: string }[] };
    for (const runner of monitor.fleet) {
      for (const [name, samples] of await scrape(runner.metricsUrl)) families.set(name, [...(families.get(name) ?? []), ...samples]);
    }

    const referenced = referencedMetricNames().filter((n) => n !== "up" && n !== "ALERTS");
    expect(referenced.length).toBeGreaterThan(20);
    expect(referenced.filter((n) => !familyOf(families, n))).toEqual([]);

    const pools = [...new Set(monitor.fleet.map((r) => r.pool))].sort();
    const poolsOf = (agent: string, name: string) => [...new Set((byAgent.get(agent)?.get(name) ?? []).map((s) => s.labels.pool))].sort();
    for (const name of ["switchyard_pool_jobs_running", "switchyard_pool_job_limit", "switchyard_pool_queue_depth", "switchyard_pool_oldest_wait_seconds",
      "switchyard_acceptable_job_queuing_duration_exceeded_total", "switchyard_job_queue_duration_seconds"]) {
      expect(poolsOf("optimizer", name), name).toEqual(pools);
    }
    for (const name of ["switchyard_decisions_total", "switchyard_job_outcomes_total", "switchyard_hold_seconds"]) expect(poolsOf("assigner", name), name).toEqual(pools);
    expect(poolsOf("scorer", "switchyard_scorer_latency_seconds")).toEqual(pools);
    // No job ran: these exist because they were created at 0, not because something counted.
    const values = (agent: string, name: string) => (byAgent.get(agent)?.get(name) ?? []).map((s) => s.value);
    expect(values("optimizer", "switchyard_acceptable_job_queuing_duration_exceeded_total").every((v) => v === 0)).toBe(true);
    expect(values("assigner", "switchyard_breaker_transitions_total")).toEqual([0, 0, 0]);
    expect(values("assigner", "switchyard_llm_tiebreaks_total").every((v) => v === 0)).toBe(true);
    expect(byAgent.get("scorer")?.has("process_cpu_seconds_total")).toBe(true);
    expect(byAgent.get("scorer")?.get("nodejs_eventloop_lag_p99_seconds")?.[0]?.labels.agent).toBe("scorer");
  }, 120_000);
});
