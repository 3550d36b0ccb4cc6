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

/** Starts `node <script>` with env; every line goes to its log file, errors also to the console. */
export function startChild(options: ChildOptions): Child {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), options.script], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: WriteStream = createWriteStream(options.logFile, { flags: "a" });
  const matchers: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      log.write(`${line}\n`);
      for (const m of [...matchers]) {
        const match = line.match(m.pattern);
        if (match) { matchers.splice(matchers.indexOf(m), 1); m.resolve(match); }
      }
      if (/"level":"(error|fatal)"/.test(line) || /^(Error|TypeError|.*Error:)/.test(line)) options.onImportantLine?.(options.name, line);
    });
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name: options.name,
    process: child,
    waitForLine(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${options.name}: no line matching ${pattern} in ${timeoutMs} ms (see ${options.logFile})`)), timeoutMs);
        matchers.push({ pattern, resolve: (m) => { clearTimeout(timer); resolve(m); } });
        void exited.then(() => { clearTimeout(timer); reject(new Error(`${options.name} exited early (see ${options.logFile})`)); });
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
