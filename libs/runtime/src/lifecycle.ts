import type { Logger } from "pino";

/** Runs shutdown steps in reverse order of registration, once, on SIGTERM/SIGINT or on request. */
export interface Lifecycle {
  onShutdown(name: string, step: () => Promise<void> | void): void;
  shutdown(reason: string): Promise<void>;
  readonly stopping: boolean;
}

export interface LifecycleOptions {
  log: Logger;
  /** Hard deadline; past it the process exits with code 1. */
  timeoutMs?: number;
  handleSignals?: boolean;
  exit?: (code: number) => void;
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const steps: { name: string; step: () => Promise<void> | void }[] = [];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | undefined;
  const lifecycle: Lifecycle = {
    onShutdown(name, step) { steps.push({ name, step }); },
    get stopping() { return stopping !== undefined; },
    shutdown(reason) {
      stopping ??= (async () => {
        options.log.info({ reason }, "shutting down");
        // The hard deadline belongs to a process that owns its signals, never to a test runner.
        const timer = setTimeout(() => {
          options.log.error("shutdown took too long; exiting");
          if (options.handleSignals !== false) exit(1);
        }, options.timeoutMs ?? 10_000);
        timer.unref();
        for (const { name, step } of [...steps].reverse()) {
          try {
            await step();
          } catch (err) {
            options.log.error({ err: (err as Error).message, step: name }, "shutdown step failed");
          }
        }
        clearTimeout(timer);
        options.log.info("stopped");
      })();
      return stopping;
    },
  };
  if (options.handleSignals !== false) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      // shutdown() settles every step itself; the catch is for a failure in that machinery.
      process.once(signal, () => { lifecycle.shutdown(signal).then(() => exit(0), () => exit(1)); });
    }
  }
  return lifecycle;
}
