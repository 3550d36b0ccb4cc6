import { parse as parseToml, stringify as toToml } from "smol-toml";

/**
 * What Switchyard needs from a gitlab-runner `config.toml` (gitlab-runner common/config.go: top-level
 * `concurrent`, `[[runners]]` with `name`, `url`, `token`, `limit`, and
 * `[[runners.monitoring.job_queuing_durations]]` from common/config/runner/monitoring).
 *
 * Runners that share one authentication token are one runner in GitLab (one registration, several
 * managers told apart by system_id), with one set of tags: they become one Switchyard pool, polled
 * upstream with that token. Each runner then talks to Switchyard with a token of its own.
 */
export interface ImportedRunnerConfig {
  gitlabUrl: string;
  pools: { name: string; upstreamToken: string; lookahead: number }[];
  runners: { id: string; pool: string; token: string }[];
  jobQueuingDurations: Record<string, unknown>[];
  /** The runner's config.toml as it must become: each runner's url and token point at Switchyard. */
  runnerConfigToml: string;
  /** Things the operator must know or do by hand. */
  notes: string[];
}

/** A config.toml Switchyard cannot take over, with the reason. */
export class RunnerConfigError extends Error {}

interface TomlRunner {
  name?: unknown;
  url?: unknown;
  token?: unknown;
  limit?: unknown;
  monitoring?: { job_queuing_durations?: unknown };
  [key: string]: unknown;
}

const NAME = /[^A-Za-z0-9_-]+/g;

function safeName(raw: string, fallback: string): string {
  const name = raw.replace(NAME, "-").replace(/^-+|-+$/g, "").slice(0, 100);
  return name || fallback;
}

function unique(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = `${name}-${i}`;
  taken.add(candidate);
  return candidate;
}

export function importRunnerConfig(tomlText: string, options: { brokerUrl: string; newToken: () => string }): ImportedRunnerConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(tomlText) as Record<string, unknown>;
  } catch (err) {
    throw new RunnerConfigError(`not valid TOML: ${(err as Error).message.split("\n")[0]}`);
  }
  const runners = doc.runners;
  if (!Array.isArray(runners) || runners.length === 0) throw new RunnerConfigError("no [[runners]] entries");
  const notes: string[] = [];
  const urls = new Set<string>();
  const pools: ImportedRunnerConfig["pools"] = [];
  const poolByToken = new Map<string, string>();
  const ids = new Set<string>();
  const poolNames = new Set<string>();
  const out: ImportedRunnerConfig["runners"] = [];
  const durations = new Map<string, Record<string, unknown>>();

  const rewritten = (runners as TomlRunner[]).map((runner, index) => {
    const where = `[[runners]] #${index + 1}${typeof runner.name === "string" ? ` (${runner.name})` : ""}`;
    if (typeof runner.url !== "string" || !runner.url) throw new RunnerConfigError(`${where}: no url`);
    if (typeof runner.token !== "string" || !runner.token) throw new RunnerConfigError(`${where}: no token`);
    urls.add(runner.url.replace(/\/+$/, ""));
    if (!runner.token.startsWith("glrt-")) {
      notes.push(`${where}: its token is not a runner authentication token (glrt-); register the runner again with one (GitLab 16+) before moving it behind Switchyard`);
    }
    let pool = poolByToken.get(runner.token);
    if (!pool) {
      pool = unique(safeName(typeof runner.name === "string" ? runner.name : "", `pool-${pools.length + 1}`), poolNames);
      poolByToken.set(runner.token, pool);
      pools.push({ name: pool, upstreamToken: runner.token, lookahead: 2 });
    }
    const id = unique(safeName(typeof runner.name === "string" ? runner.name : "", `runner-${index + 1}`), ids);
    const token = options.newToken();
    out.push({ id, pool, token });
    for (const entry of Array.isArray(runner.monitoring?.job_queuing_durations) ? runner.monitoring.job_queuing_durations : []) {
      if (entry && typeof entry === "object") durations.set(JSON.stringify(entry), entry as Record<string, unknown>);
    }
    return { ...runner, url: options.brokerUrl, token };
  });
  if (urls.size > 1) throw new RunnerConfigError(`runners point at ${urls.size} GitLab instances (${[...urls].join(", ")}); one Switchyard serves one GitLab`);
  if (durations.size > 1) notes.push("the runners' job_queuing_durations differ: every distinct entry is kept in file order and, as in gitlab-runner, the last one in period wins; check the order");
  notes.push("pool names come from the runners' names: rename them freely, and set each pool's lookahead (jobs held beyond free slots)");
  notes.push("the runners' tags stay in GitLab, on the registration whose token each pool now polls with");
  return {
    gitlabUrl: [...urls][0]!,
    pools,
    runners: out,
    jobQueuingDurations: [...durations.values()],
    runnerConfigToml: toToml({ ...doc, runners: rewritten }),
    notes,
  };
}
