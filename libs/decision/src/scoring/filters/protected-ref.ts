import { PASS, type FilterPlugin } from "../types.js";

const REJECT = Object.freeze({ ok: false as const, reason: "runner takes only protected-ref jobs" });

/** Rejects protected-only runners for jobs on unprotected refs, as GitLab does. */
export const protectedRef: FilterPlugin = {
  name: "protectedRef",
  filter: (job, runner) => (runner.protected && !job.protectedRef ? REJECT : PASS),
};
