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
 * Old-space limit (MB) for the four agents when npm start or the bench runs them: their live heap is
 * 36–38 MB under the bench (issue 16), and V8's default lets the heap grow to ~250 MB RSS of slack;
 * 96 keeps the largest (assigner) at 157–163 MB against 253 (monitor 146–154 against 227–255); at
 * saturation (100 jobs/s offered on 2 cores) it decides ~12% fewer jobs per second (51 vs 58/s, more GC),
 * at 50 jobs/s no difference was measured; 64 thrashed. Compose and Kubernetes set the same figure in
 * NODE_OPTIONS (tools/start/test/agent-heap.test.ts checks they agree), so the bench measures what ships.
 */
export const AGENT_MAX_OLD_SPACE_MB = 96;

const AGENTS: ReadonlySet<string> = new Set(AGENT_NAMES);

/** The node flags an agent runs with: the heap limit, unless NODE_OPTIONS already sets one. */
export function agentExecArgv(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!AGENTS.has(name) || /--max-old-space-size/.test(env.NODE_OPTIONS ?? "")) return [];
  return [`--max-old-space-size=${AGENT_MAX_OLD_SPACE_MB}`];
}
