import { PASS, type FilterPlugin } from "../types.js";

const REJECT = Object.freeze({ ok: false as const, reason: "no free slot" });

/** Rejects runners with no free slot right now. */
export const freeSlot: FilterPlugin = {
  name: "freeSlot",
  filter: (_job, runner) => (runner.freeSlots > 0 ? PASS : REJECT),
};
