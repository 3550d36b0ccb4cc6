import { PASS, type FilterPlugin } from "../types.js";

const REJECT = Object.freeze({ ok: false as const, reason: "runner is paused in GitLab" });

/** Rejects runners paused in GitLab. */
export const notPaused: FilterPlugin = {
  name: "notPaused",
  filter: (_job, runner) => (runner.paused ? REJECT : PASS),
};
