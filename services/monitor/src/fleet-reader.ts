import type { RunnerContact } from "@switchyard/contracts";
import type { Logger } from "@switchyard/runtime";
import type { BrokerContacts } from "./broker-contacts.js";
import type { FleetRunner } from "./config.js";
import type { FailureStreaks } from "./failure-streaks.js";
import type { GitLabObservation, GitLabSource } from "./gitlab-source.js";
import { mapLimit } from "./map-limit.js";
import type { MonitorMetrics } from "./monitor-metrics.js";
import {
  readHostMetrics, readRunnerMetrics, scrapeMetrics, type HostMetrics, type MetricFamilies,
} from "./prometheus-scrape.js";
import type { RunnerObservation, ScrapeObservation } from "./runner-state.js";

/** Reads every fleet runner once: GitLab REST plus its Prometheus endpoints. Never throws. */
export interface FleetReader {
  read(fleet: readonly FleetRunner[]): Promise<RunnerObservation[]>;
}

export interface FleetReaderDeps {
  gitlab: GitLabSource | null;
  /** The broker's sightings in Redis; null reads none (a monitor without an assigner). */
  contacts: BrokerContacts | null;
  scrapeTimeoutMs: number;
  metrics: MonitorMetrics;
  streaks: FailureStreaks;
  log: Logger;
  scrapeConcurrency?: number;
}

const ABSENT = { kind: "absent" } as const;

export function createFleetReader(deps: FleetReaderDeps): FleetReader {
  const { metrics, streaks } = deps;

  async function scrape(runner: FleetRunner, target: "runner" | "host", url: string | undefined): Promise<ScrapeObservation<MetricFamilies>> {
    if (!url) return ABSENT;
    const key = `${target} metrics of ${runner.id}`;
    try {
      const families = await scrapeMetrics(url, deps.scrapeTimeoutMs);
      streaks.ok(key, { runnerId: runner.id });
      return { kind: "ok", value: families };
    } catch (err) {
      metrics.scrapeErrors.inc({ runner: runner.id, target });
      streaks.fail(key, (err as Error).message, { runnerId: runner.id });
      return { kind: "error", message: (err as Error).message };
    }
  }

  async function readGitLab(fleet: readonly FleetRunner[]): Promise<Map<number, GitLabObservation>> {
    const ids = fleet.flatMap((r) => (r.gitlabRunnerId ? [r.gitlabRunnerId] : []));
    if (!deps.gitlab || ids.length === 0) return new Map();
    const observations = await deps.gitlab.read(ids);
    const errors = [...observations.values()].flatMap((o) => (o.kind === "error" ? [o.error] : []));
    for (const _ of errors) metrics.gitlabErrors.inc({ operation: "read runner" });
    if (errors.length > 0) streaks.fail("gitlab", errors[0]!.message, { failedRunners: errors.length });
    else streaks.ok("gitlab");
    return observations;
  }

  async function readContacts(): Promise<Map<string, RunnerContact> | null> {
    if (!deps.contacts) return new Map();
    try {
      const contacts = await deps.contacts.read();
      streaks.ok("broker contacts");
      return contacts;
    } catch (err) {
      streaks.fail("broker contacts", (err as Error).message);
      return null;
    }
  }

  return {
    async read(fleet) {
      const [gitlab, contacts, scrapes] = await Promise.all([
        readGitLab(fleet),
        readContacts(),
        mapLimit(fleet, deps.scrapeConcurrency ?? 16, async (runner) => {
          const [load, host] = await Promise.all([scrape(runner, "runner", runner.metricsUrl), scrape(runner, "host", runner.hostMetricsUrl)]);
          return { load, host };
        }),
      ]);
      return fleet.map((runner, i): RunnerObservation => {
        const { load, host } = scrapes[i]!;
        return {
          runner,
          gitlab: runner.gitlabRunnerId && deps.gitlab ? (gitlab.get(runner.gitlabRunnerId) ?? ABSENT) : ABSENT,
          broker: brokerObservation(contacts, runner.id),
          metrics: mapScrape(load, readRunnerMetrics),
          // Without a node_exporter URL, disk metrics may come along with the runner's own endpoint.
          host: runner.hostMetricsUrl ? mapScrape(host, readHostMetrics) : hostFromRunnerEndpoint(load),
        };
      });
    },
  };
}

function brokerObservation(contacts: Map<string, RunnerContact> | null, runnerId: string): ScrapeObservation<RunnerContact> {
  if (contacts === null) return { kind: "error", message: "broker contacts unreadable" };
  const contact = contacts.get(runnerId);
  return contact ? { kind: "ok", value: contact } : ABSENT;
}

function mapScrape<T>(scrape: ScrapeObservation<MetricFamilies>, read: (f: MetricFamilies) => T): ScrapeObservation<T> {
  return scrape.kind === "ok" ? { kind: "ok", value: read(scrape.value) } : scrape;
}

function hostFromRunnerEndpoint(load: ScrapeObservation<MetricFamilies>): ScrapeObservation<HostMetrics> {
  if (load.kind !== "ok") return ABSENT;
  const host = readHostMetrics(load.value);
  return host.diskUsedRatio === null ? ABSENT : { kind: "ok", value: host };
}
