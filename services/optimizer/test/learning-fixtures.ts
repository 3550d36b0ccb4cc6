import type { Decision, JobOutcome } from "@switchyard/contracts";

/** A decision for job `jobId`, choosing `runnerId` (candidates ranked as given, each with its plugin scores). */
export function decision(jobId: number, over: Partial<Decision> & { scores?: Record<string, Record<string, number>> } = {}): Decision {
  const { scores = { r1: { speed: 80 }, r2: { speed: 40 } }, ...rest } = over;
  const candidates = Object.entries(scores).map(([runnerId, plugins]) => ({
    runnerId, total: Object.values(plugins).reduce((s, v) => s + v, 0),
    contributions: Object.entries(plugins).map(([plugin, score]) => ({ plugin, score, weight: 1 })),
  }));
  return {
    v: 1, decisionId: `d-${jobId}`, jobId, pool: "linux", jobClass: "build", tier: "autonomous", runnerId: candidates[0]?.runnerId ?? null,
    mode: "rule", enforced: true, fifoRunnerId: "r2", rationale: "test", reasons: [], candidates, margin: 0.5, fallbackReason: null,
    llm: null, approval: null, latencyMs: 3, queuedAt: 1_000, decidedAt: 2_000, ...rest,
  };
}

/** A finished outcome of `jobId` on `runnerId`. */
export function finished(jobId: number, runnerId: string, runSeconds: number, status: JobOutcome["status"] = "success", jobClass = "build"): JobOutcome & { runSeconds: number; runnerId: string } {
  return {
    v: 2, jobId, pool: "linux", runnerId, phase: "finished", status, failureReason: null, end: "runner", jobClass, decisionId: `d-${jobId}`,
    projectId: 1, queueSeconds: 2, holdSeconds: 1, runSeconds, at: 10_000 + jobId,
  };
}
