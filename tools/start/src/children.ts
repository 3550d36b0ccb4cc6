import { AGENT_NAMES } from "@switchyard/contracts";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";

/** One process of the demo, with its output going to a log file. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the first output line matching the pattern. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export interface ChildOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  logFile: string;
  /** Extra node flags before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  execArgv?: string[];
  /** Called for lines worth showing on the console (errors). */
  onImportantLine?: (name: string, line: string) => void;
}

const LAST_LINES = 20;

/** Starts `node <script>` with env; every line goes to its log file, errors also to the console. */
export function startChild(options: ChildOptions): Child {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), options.script], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: WriteStream = createWriteStream(options.logFile, { flags: "a" });
  const matchers: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  // The last lines, so an early exit says why without the log file (a test's work dir is gone by then).
  const lastLines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      log.write(`${line}\n`);
      lastLines.push(line.slice(0, 500));
      if (lastLines.length > LAST_LINES) lastLines.shift();
      for (const m of [...matchers]) {
        const match = line.match(m.pattern);
        if (match) { matchers.splice(matchers.indexOf(m), 1); m.resolve(match); }
      }
      if (/"level":"(error|fatal)"/.test(line) || /^(Error|TypeError|.*Error:)/.test(line)) options.onImportantLine?.(options.name, line);
    });
  }
  let exitedWith = "";
  const exited = new Promise<void>((resolve) => child.once("exit", (code, signal) => { exitedWith = signal ?? `code ${code}`; resolve(); }));
  return {
    name: options.name,
    process: child,
    waitForLine(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${options.name}: no line matching ${pattern} in ${timeoutMs} ms (see ${options.logFile})`)), timeoutMs);
        matchers.push({ pattern, resolve: (m) => { clearTimeout(timer); resolve(m); } });
        void exited.then(() => { clearTimeout(timer); reject(new Error(`${options.name} exited early (${exitedWith}; log ${options.logFile}); its last lines:\n${lastLines.join("\n")}`)); });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}

/**
 * The V8 heap of the four agents, sized for their live set (issue 16 item 4). Under the live bench (50
 * jobs/s, 500 runners) the assigner's heap in use is 35–55 MB; V8's defaults let the heap grow far past
 * that. The old space is capped at 96 MB (64 thrashed). The young generation matters as much: V8 reserves
 * up to three semi-spaces for it (two semi-spaces and the young large-object space), 16 MB each on Node
 * 20 and 64 MB on Node 24, which the image runs: with only the old-space cap the assigner reached 266 MB
 * RSS on Node 24, and 152–158 on Node 20 with 33.6 MB of young generation committed. An 8 MB semi-space
 * (16.8 committed) brought the assigner to 139–143 MB and the monitor to 127–131 on Node 20, with CPU per
 * decision and decisions/s within the runs' spread; 4 MB saved 10 MB more but cost about 25% more of the
 * assigner's CPU per decision (scavenges promote more, so more full GCs). Figures: tools/bench/README.md,
 * "Memory". Compose, Kubernetes and the image set the same flags in NODE_OPTIONS
 * (tools/start/test/agent-heap.test.ts checks they agree), so the bench measures what ships.
 */
export const AGENT_MAX_OLD_SPACE_MB = 96;
export const AGENT_MAX_SEMI_SPACE_MB = 8;

/** The agents' node flags, in the form NODE_OPTIONS takes them (compose, Kubernetes). */
export const AGENT_NODE_FLAGS: readonly string[] = [
  `--max-old-space-size=${AGENT_MAX_OLD_SPACE_MB}`,
  `--max-semi-space-size=${AGENT_MAX_SEMI_SPACE_MB}`,
];

/**
 * The agents' environment beyond their config: one glibc malloc arena (issue 16 item 4). By default glibc
 * gives each thread that mallocs an arena of its own (up to 8 per core) and keeps what was freed in it; V8's
 * compiler and GC threads on Node 24 left 20–30 MiB resident that way in the assigner under the live bench.
 * With one arena the assigner's native memory outside V8's heap fell from ~46 to 29–32 MiB on Node 24 (peak
 * RSS 183 → 173 MiB, monitor 162 → 154) and from 30 to 22 on Node 20 (139 → 133), with decided/s and CPU per
 * decision within the runs' spread in alternating runs (tools/bench/README.md, "Memory"). The image is Debian
 * (glibc); on musl the variable does nothing. The image, compose and Kubernetes set it too
 * (agent-heap.test.ts checks).
 */
export const AGENT_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "1" };

const AGENTS: ReadonlySet<string> = new Set(AGENT_NAMES);

/** The node flags an agent runs with: each heap flag unless NODE_OPTIONS already sets that flag. */
export function agentExecArgv(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!AGENTS.has(name)) return [];
  const operator = env.NODE_OPTIONS ?? "";
  // V8 takes `_` for `-` in flag names, and node a value after a space.
  const setByOperator = (flag: string) => new RegExp(`--${flag.slice(2).split("=")[0]!.replace(/-/g, "[-_]")}(=|\\s|$)`).test(operator);
  return AGENT_NODE_FLAGS.filter((flag) => !setByOperator(flag));
}

/** The environment an agent runs with on top of its own: each AGENT_ENV variable the environment does not set. */
export function agentProcessEnv(name: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (!AGENTS.has(name)) return {};
  return Object.fromEntries(Object.entries(AGENT_ENV).filter(([key]) => env[key] === undefined));
}
