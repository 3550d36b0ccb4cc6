import { PASS, type FilterPlugin } from "../types.js";

const REJECT = Object.freeze({ ok: false as const, reason: "runner is unhealthy" });

/** Rejects runners the monitor marked unhealthy. */
export const healthy: FilterPlugin = {
  name: "healthy",
  filter: (_job, runner) => (runner.healthy ? PASS : REJECT),
};
