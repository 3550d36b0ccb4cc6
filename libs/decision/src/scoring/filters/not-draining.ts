import { PASS, type FilterPlugin } from "../types.js";

const REJECT = Object.freeze({ ok: false as const, reason: "runner is draining" });

/** Rejects draining runners (disk over threshold, or drained by an operator). */
export const notDraining: FilterPlugin = {
  name: "notDraining",
  filter: (_job, runner) => (runner.draining ? REJECT : PASS),
};
