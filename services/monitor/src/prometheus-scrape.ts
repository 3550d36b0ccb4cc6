import parsePrometheusTextFormat, { type PromFamily } from "parse-prometheus-text-format";

/** Parsed metric families of one scrape, by family name. */
export type MetricFamilies = ReadonlyMap<string, PromFamily>;

/** What a gitlab-runner's /metrics says about its load; null where the metric is absent. */
export interface RunnerMetrics {
  running: number | null;
  limit: number | null;
  concurrent: number | null;
  errorsTotal: number | null;
}

/** Disk usage of the host's root filesystem from node_exporter metrics. */
export interface HostMetrics {
  diskUsedRatio: number | null;
  diskAvailBytes: number | null;
  diskSizeBytes: number | null;
}

/** Fetches and parses a Prometheus text endpoint; throws `scrape <url>: ...` on any failure. */
export async function scrapeMetrics(url: string, timeoutMs: number): Promise<MetricFamilies> {
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "text/plain" } });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`HTTP ${response.status}`);
    }
    text = await response.text();
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const reason = e.name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    throw new Error(`scrape ${url}: ${reason}`, { cause: err });
  }
  return parseMetrics(text);
}

/** Parses Prometheus text exposition format into families by name. */
export function parseMetrics(text: string): MetricFamilies {
  return new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
}

/** Sums every sample of a gauge/counter family whose labels match; null when no sample matches. */
export function sumSamples(families: MetricFamilies, name: string, labels: Record<string, string> = {}): number | null {
  const family = families.get(name);
  if (!family) return null;
  let total: number | null = null;
  for (const sample of family.metrics) {
    if (sample.value === undefined) continue;
    if (!Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v)) continue;
    const value = Number(sample.value);
    if (!Number.isFinite(value)) continue;
    total = (total ?? 0) + value;
  }
  return total;
}

/**
 * Reads a gitlab-runner's load. `gitlab_runner_jobs` is split by state/stage, so the running
 * count is the sum; `gitlab_runner_limit` is per [[runners]] entry, summed across entries.
 */
export function readRunnerMetrics(families: MetricFamilies): RunnerMetrics {
  return {
    running: sumSamples(families, "gitlab_runner_jobs"),
    limit: sumSamples(families, "gitlab_runner_limit"),
    concurrent: sumSamples(families, "gitlab_runner_concurrent"),
    errorsTotal: sumSamples(families, "gitlab_runner_errors_total"),
  };
}

/** Reads the root filesystem's usage: 1 - avail/size for mountpoint "/". */
export function readHostMetrics(families: MetricFamilies): HostMetrics {
  const avail = sumSamples(families, "node_filesystem_avail_bytes", { mountpoint: "/" });
  const size = sumSamples(families, "node_filesystem_size_bytes", { mountpoint: "/" });
  const ratio = avail !== null && size !== null && size > 0 ? Math.min(1, Math.max(0, 1 - avail / size)) : null;
  return { diskUsedRatio: ratio, diskAvailBytes: avail, diskSizeBytes: size };
}
