/**
 * Runs `task` every `intervalMs` without ever overlapping itself: a tick that finds the previous run
 * still going is skipped. A failed run goes to `onError` and the next tick runs as usual. The timer
 * does not keep the process alive.
 */
export function startPeriodic(task: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task().catch(onError).finally(() => { running = false; });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
