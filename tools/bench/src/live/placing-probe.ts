import type { Decision } from "@switchyard/contracts";
import { subjects } from "@switchyard/contracts";
import type { NatsConnection } from "@switchyard/runtime";
import { benchJob } from "./job-offerer.js";

export interface PlacingProbeDeps {
  nc: NatsConnection;
  prefix: string;
  gitlabUrl: string;
  adminToken: string;
  poolTags: string[][];
  jobSeconds: number;
  timeoutMs: number;
}

/**
 * Offers one job per pool and resolves once each has a decision on NATS. "Every process said it is
 * up" is not "the system places jobs": the monitor's first poll runs before the sim runners exist, so
 * it reports them unhealthy and the assigner places nothing until a later poll and its own health
 * refresh (up to ~4 s, more under load). Steps measured before that counted 0 decisions.
 */
export async function waitUntilPlacing(deps: PlacingProbeDeps): Promise<number> {
  const began = Date.now();
  const pending = new Set<number>();
  const early = new Set<number>();
  let done!: () => void;
  const allDecided = new Promise<void>((resolve) => { done = resolve; });
  // Subscribe before offering, so the decision cannot slip past.
  const sub = deps.nc.subscribe(subjects(deps.prefix).decisionAll, {
    callback: (err, msg) => {
      if (err) return;
      const { jobId } = msg.json<Decision>();
      if (pending.delete(jobId)) { if (pending.size === 0) done(); } else early.add(jobId);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await deps.nc.flush();
    const jobs = deps.poolTags.map((tags, i) => ({ ...benchJob(i, tags, deps.jobSeconds), name: "bench-probe" }));
    const res = await fetch(`${deps.gitlabUrl}/sim/jobs`, {
      method: "POST", headers: { "Content-Type": "application/json", "PRIVATE-TOKEN": deps.adminToken }, body: JSON.stringify(jobs),
    });
    if (res.status !== 201) throw new Error(`probe job not accepted: HTTP ${res.status}`);
    const { ids } = (await res.json()) as { ids: number[] };
    for (const id of ids) if (!early.has(id)) pending.add(id);
    if (pending.size === 0) return Date.now() - began;
    await Promise.race([
      allDecided,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no decision for probe job(s) ${[...pending].join(", ")} within ${deps.timeoutMs} ms`)), deps.timeoutMs);
      }),
    ]);
    return Date.now() - began;
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
}
