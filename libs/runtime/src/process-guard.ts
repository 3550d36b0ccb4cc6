import { Counter, type Registry } from "prom-client";
import type { Logger } from "pino";
import { createOnceFilter } from "./dead-letter.js";

/**
 * The catch handler of a fire-and-forget call: `promise.catch(background("unmark polling"))`.
 * Counts `switchyard_background_failures_total{task}` and logs a task's distinct error once (a Redis
 * outage fails the same call thousands of times); never rethrows.
 */
export type BackgroundFailure = (task: string) => (err: unknown) => void;

export interface ProcessGuard {
  readonly background: BackgroundFailure;
  /** Removes the process handlers (tests that build several runtimes in one process). */
  uninstall(): void;
}

export interface ProcessGuardOptions {
  log: Logger;
  registry: Registry;
  /** Called once on an uncaught exception: the process should shut down (exit code 1). */
  onFatal: (err: Error) => void;
  /** Off in tests that run several agents in one process: only background() then. */
  installHandlers?: boolean;
}

/**
 * The last line of defence of an agent process. A rejected promise nobody caught is logged and
 * counted, and the agent keeps running: its state is in Redis and NATS, and a Redis or NATS blip
 * must not take a dispatcher down (Node's default is to exit). An uncaught exception is different —
 * a synchronous invariant broke half-way — so it is logged and counted and the agent shuts down
 * cleanly for its supervisor to restart it.
 */
export function installProcessGuard(options: ProcessGuardOptions): ProcessGuard {
  const log = options.log.child({ component: "process-guard" });
  const unhandled = new Counter({
    name: "switchyard_unhandled_errors_total",
    help: "Rejections nobody caught and uncaught exceptions, by kind; should stay 0",
    labelNames: ["kind"] as const,
    registers: [options.registry],
  });
  const failures = new Counter({
    name: "switchyard_background_failures_total",
    help: "Fire-and-forget calls that failed (usually Redis or NATS unreachable), by task",
    labelNames: ["task"] as const,
    registers: [options.registry],
  });
  for (const kind of ["rejection", "exception"]) unhandled.inc({ kind }, 0);
  const firstTime = createOnceFilter();
  const background: BackgroundFailure = (task) => (err) => {
    failures.inc({ task });
    const message = err instanceof Error ? err.message : String(err);
    if (firstTime(`${task}|${message}`)) log.warn({ task, err: message }, "background call failed (further failures of this kind are only counted)");
  };
  const onRejection = (reason: unknown) => {
    unhandled.inc({ kind: "rejection" });
    log.error({ err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, "unhandled promise rejection (kept running)");
  };
  let fatal = false;
  const onException = (err: Error) => {
    unhandled.inc({ kind: "exception" });
    log.fatal({ err: { message: err.message, stack: err.stack } }, "uncaught exception: shutting down");
    if (!fatal) { fatal = true; options.onFatal(err); }
  };
  if (options.installHandlers !== false) {
    process.on("unhandledRejection", onRejection);
    process.on("uncaughtException", onException);
  }
  return {
    background,
    uninstall() {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onException);
    },
  };
}
