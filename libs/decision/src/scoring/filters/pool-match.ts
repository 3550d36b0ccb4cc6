import { PASS, type FilterPlugin } from "../types.js";

/** Rejects runners of another pool: a job only runs where its pool's tags do. */
export const poolMatch: FilterPlugin = {
  name: "poolMatch",
  filter: (job, runner) => (runner.pool === job.pool ? PASS : { ok: false, reason: `runner pool ${runner.pool} is not ${job.pool}` }),
};
