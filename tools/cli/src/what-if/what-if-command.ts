import { writeFileSync } from "node:fs";
import type { ParseArgsConfig } from "node:util";
import { parseRunnersPerPool } from "@switchyard/bench";
import { createGitLabHistoryClient, GitLabApiError } from "@switchyard/gitlab-client";
import { createLogger } from "@switchyard/runtime";
import type { CliConfig } from "../cli-config.js";
import { createProgressBar } from "./progress-bar.js";
import { runWhatIf, WhatIfError, type WhatIfOptions } from "./what-if.js";

export const WHAT_IF_USAGE = "what-if --url <gitlab> (--project <id|path> | --group <id|path>)... [--since <date>] [--max-jobs <n>] [--runners <pool=n,...>] [--slots-per-runner <n>] [--protected <ref|/re/>]... [--sli <s>] [--out <file.html>] [--json]";

/** The command's flags (parseArgs); the token is read from the environment only, never a flag, so it stays out of shell history and `ps`. */
export const whatIfOptions: NonNullable<ParseArgsConfig["options"]> = {
  url: { type: "string" }, project: { type: "string", multiple: true }, group: { type: "string", multiple: true },
  since: { type: "string" }, "max-jobs": { type: "string" }, runners: { type: "string" }, "slots-per-runner": { type: "string" },
  protected: { type: "string", multiple: true }, sli: { type: "string" }, out: { type: "string" }, json: { type: "boolean" },
};

type Values = Record<string, string | boolean | string[] | undefined>;
interface Exits { fail(message: string, exitCode?: number): never; exit: { usage: number; unreachable: number; refused: number } }

/** `switchyard what-if`: validates the flags, reads the history, writes the report, prints where and the headline figures. */
export async function whatIf(v: Values, config: Readonly<CliConfig>, { fail, exit }: Exits): Promise<void> {
  const opts = parse(v, config, fail);
  const token = config.gitlabToken ?? fail("what-if: set SWITCHYARD_GITLAB_TOKEN (or SWITCHYARD_GITLAB_TOKEN_FILE) to a read_api token", exit.usage);
  const out = typeof v.out === "string" ? v.out : "switchyard-what-if.html";
  const bar = createProgressBar({ write: (t) => process.stderr.write(t), isTTY: process.stderr.isTTY === true });
  // A one-shot read may wait out GitLab's rate limit: more attempts and a longer Retry-After cap than the monitor's poll loop.
  const api = createGitLabHistoryClient({
    url: opts.gitlabUrl, token, log: createLogger({ name: "what-if", level: "silent" }),
    retry: { maxAttempts: 6, maxDelayMs: 60_000, requestTimeoutMs: 30_000 },
    onRetry: ({ status, delayMs }) => { if (status === 429) process.stderr.write(`\nGitLab rate limit: waiting ${Math.ceil(delayMs / 1000)} s (Retry-After)\n`); },
  });
  let result;
  try {
    result = await runWhatIf({ api, progress: bar.update, now: () => new Date() }, opts);
  } catch (err) {
    bar.end();
    if (err instanceof WhatIfError) fail(`what-if: ${err.message}`, exit.refused);
    if (err instanceof GitLabApiError) {
      const hint = err.status === 401 ? " (is the token valid?)" : err.status === 403 ? " (the token needs read_api on these projects)" : err.status === 404 ? " (no such project or group, or the token cannot see it)" : "";
      fail(`what-if: ${err.message}${hint}`, err.status === null || err.status >= 500 || err.status === 429 ? exit.unreachable : exit.refused);
    }
    throw err;
  }
  bar.end();
  writeFileSync(out, result.html);
  if (v.json === true) { process.stdout.write(`${JSON.stringify({ report: out, ...result.figures })}\n`); return; }
  const line = (name: string) => result.figures.policies.find((p) => p.policy === name);
  const fifo = line("fifo"), sy = line("switchyard");
  process.stdout.write(`wrote ${out}: ${result.figures.jobs} jobs from ${result.projects.join(", ")} on ${result.groups.reduce((n, g) => n + g.runners, 0)} runners\n` +
    (fifo && sy ? [["all jobs", fifo.overall, sy.overall] as const, ...result.figures.classes.map((c) => [c.jobClass, fifo.byClass[c.jobClass], sy.byClass[c.jobClass]] as const)]
      .filter(([, f, y]) => f && y)
      .map(([name, f, y]) => `  ${name.padEnd(20)} p95 wait fifo ${Math.round(f!.p95)} s, switchyard ${Math.round(y!.p95)} s; mean fifo ${Math.round(f!.mean)} s, switchyard ${Math.round(y!.mean)} s\n`).join("") : ""));
}

function parse(v: Values, config: Readonly<CliConfig>, fail: Exits["fail"]): WhatIfOptions {
  const usage = `(usage: switchyard ${WHAT_IF_USAGE})`;
  const url = typeof v.url === "string" ? v.url : config.gitlabUrl;
  if (!url) fail(`what-if: --url <gitlab> is required (or SWITCHYARD_GITLAB_URL) ${usage}`);
  let parsedUrl: URL;
  try { parsedUrl = new URL(url); } catch { fail(`what-if: --url '${url}' is not a URL`); }
  if (parsedUrl.username || parsedUrl.password) fail("what-if: --url must not carry credentials; set SWITCHYARD_GITLAB_TOKEN");
  const projects = (v.project as string[] | undefined) ?? [];
  const groups = (v.group as string[] | undefined) ?? [];
  if (projects.length + groups.length === 0) fail(`what-if: name at least one --project or --group ${usage}`);
  const int = (name: string, fallback: number): number => {
    const raw = v[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) fail(`what-if: --${name} must be a whole number ≥ 1 (got '${String(raw)}')`);
    return n;
  };
  let since: number | null = null;
  if (typeof v.since === "string") {
    since = Date.parse(v.since);
    if (Number.isNaN(since)) fail(`what-if: --since '${v.since}' is not a date (ISO 8601, e.g. 2026-01-31)`);
  }
  let runnersPerPool: Record<string, number> | null = null;
  if (typeof v.runners === "string") {
    try { runnersPerPool = parseRunnersPerPool(v.runners); } catch (err) { fail(`what-if: --runners: ${(err as Error).message}`); }
    if (Object.values(runnersPerPool).every((n) => n === 0)) fail("what-if: --runners describes no runner");
  }
  return {
    gitlabUrl: parsedUrl.origin + parsedUrl.pathname.replace(/\/+$/, ""), targets: { projects, groups }, since,
    maxJobsPerProject: int("max-jobs", 5000), protectedRefs: (v.protected as string[] | undefined) ?? [], runnersPerPool,
    slotsPerRunner: int("slots-per-runner", 1), sliSeconds: int("sli", 300),
  };
}
