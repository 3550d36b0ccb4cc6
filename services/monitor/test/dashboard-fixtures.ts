import type { ApprovalRequest, Decision, RunnerState } from "@switchyard/contracts";
import type { TestEnv } from "@switchyard/testing";

/** A valid runner state with overrides. */
export function runnerState(runnerId: string, over: Partial<RunnerState> = {}): RunnerState {
  return {
    v: 1, runnerId, description: `${runnerId}.ci.example`, pool: "linux", tags: ["linux"], runUntagged: true, protected: false,
    paused: false, status: "online", draining: false, healthy: true, limit: 4, running: 0, runningJobIds: [],
    diskUsedRatio: 0.3, cpus: 4, memoryGiB: 16, version: "17.5.0", contactedAt: Date.now(), updatedAt: Date.now(), ...over,
  };
}

/** Job metadata as the assigner stores it in `keys.jobMeta` (the fields the dashboard reads, plus a few). */
export function jobMeta(jobId: number, over: { pool?: string; jobClass?: string; name?: string; arrivedAt?: number; stage?: string } = {}) {
  return {
    jobId, pool: "linux", projectId: 7, pipelineId: 900, jobClass: "merge-request", weight: 30, tier: "autonomous",
    environment: null, environmentTier: null, environmentAction: null, isDeploy: false, name: "unit-tests", stage: "test",
    ref: "feature/x", protectedRef: false, pipelineSource: "merge_request_event", projectPath: "group/app", timeoutSeconds: 3600,
    arrivedAt: Date.now() - 30_000, fifoSeq: jobId, queueKey: jobId, gitlabQueueSeconds: 1, projectJobsRunning: "0", ...over,
  };
}

/** A valid decision with overrides. */
export function decision(jobId: number, over: Partial<Decision> = {}): Decision {
  return {
    v: 1, decisionId: `d-${jobId}`, jobId, pool: "linux", jobClass: "merge-request", tier: "autonomous", runnerId: "r-001",
    mode: "rule", enforced: true, fifoRunnerId: "r-002", rationale: "r-001 has the most free capacity and a warm cache",
    reasons: [], candidates: [], margin: 0.32, fallbackReason: null, llm: null, approval: null, latencyMs: 2.1,
    queuedAt: Date.now() - 5_000, decidedAt: Date.now(), ...over,
  };
}

/** A pending approval request with overrides. */
export function approvalRequest(decisionId: string, over: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    v: 1, decisionId, jobId: 4242, pool: "linux", jobClass: "production-deploy", proposedRunnerId: "r-003", fifoRunnerId: "r-001",
    rationale: "r-003 is idle with 70% disk headroom; r-001 is busy", expiresAt: Date.now() + 120_000, ...over,
  };
}

/** Writes runner states into the monitor's HASH. */
export async function putRunners(env: TestEnv, runners: RunnerState[]): Promise<void> {
  if (runners.length === 0) return;
  await env.redis.hset(env.keys.runners, Object.fromEntries(runners.map((r) => [r.runnerId, JSON.stringify(r)])));
}

/** Queues jobs in their pool's ZSET (queue order = array order) with their metadata. */
export async function putQueue(env: TestEnv, jobs: ReturnType<typeof jobMeta>[]): Promise<void> {
  for (const [i, job] of jobs.entries()) {
    await env.redis.multi().zadd(env.keys.queue(job.pool), i, String(job.jobId)).hset(env.keys.jobMeta, String(job.jobId), JSON.stringify(job)).exec();
  }
}

/** Pushes decisions so that the last one given is the newest (LPUSH, as the assigner does). */
export async function putDecisions(env: TestEnv, decisions: Decision[]): Promise<void> {
  for (const d of decisions) await env.redis.lpush(env.keys.recentDecisions, JSON.stringify(d));
}

/** Records SLI totals as the optimizer's store does: non-cumulative `le:` bucket counts. */
export async function putSli(env: TestEnv, pool: string, jobClass: string, buckets: Record<string, number>, exceeded = 0): Promise<void> {
  const jobs = Object.values(buckets).reduce((a, b) => a + b, 0);
  await env.redis.hset(env.keys.sliSummary(pool, jobClass), {
    jobs, exceeded, overTarget: exceeded, queueSecondsSum: jobs * 12, updatedAt: Date.now(),
    ...Object.fromEntries(Object.entries(buckets).map(([le, n]) => [`le:${le}`, n])),
  });
  await env.redis.sadd(env.keys.sliSummaryIndex, JSON.stringify({ pool, jobClass }));
}

/** A believable small fleet for the browser test and the docs screenshot: 3 pools, a queue, decisions, SLI. */
export async function seedRealisticFleet(env: TestEnv): Promise<void> {
  const now = Date.now();
  const running: [number, string, string][] = [
    [48113, "unit-tests", "merge-request"], [48114, "integration-tests", "merge-request"], [48102, "build-image", "default-branch"],
    [48120, "lint", "merge-request"], [48099, "e2e-tests", "protected"], [48131, "deploy-staging", "other-deploy"],
    [48090, "train-model", "scheduled"], [48127, "package-msi", "default-branch"],
  ];
  await env.redis.hset(env.keys.jobMeta, Object.fromEntries(running.map(([id, name, jobClass]) => [String(id), JSON.stringify(jobMeta(id, { name, jobClass }))])));
  await putRunners(env, [
    runnerState("r-001", { running: 2, limit: 2, runningJobIds: [48113, 48114], diskUsedRatio: 0.34 }),
    runnerState("r-002", { running: 1, limit: 2, runningJobIds: [48102], diskUsedRatio: 0.46 }),
    runnerState("r-003", { running: 0, limit: 2, diskUsedRatio: 0.23 }),
    runnerState("r-004", { running: 1, limit: 4, runningJobIds: [48120], diskUsedRatio: 0.52, cpus: 8, memoryGiB: 32 }),
    runnerState("r-005", { running: 2, limit: 4, runningJobIds: [48099, 48131], diskUsedRatio: 0.18, cpus: 8, memoryGiB: 32 }),
    runnerState("r-006", { running: 0, limit: 4, draining: true, diskUsedRatio: 0.67, cpus: 8, memoryGiB: 32 }),
    runnerState("r-007", { running: 0, limit: 2, healthy: false, status: "offline", diskUsedRatio: null }),
    runnerState("g-001", { pool: "gpu", tags: ["gpu"], running: 1, limit: 1, runningJobIds: [48090], diskUsedRatio: 0.58, cpus: 16, memoryGiB: 64 }),
    runnerState("g-002", { pool: "gpu", tags: ["gpu"], running: 0, limit: 1, paused: true, diskUsedRatio: 0.12, cpus: 16, memoryGiB: 64 }),
    runnerState("w-001", { pool: "windows", tags: ["windows"], running: 1, limit: 2, runningJobIds: [48127], diskUsedRatio: 0.41 }),
  ]);
  await putQueue(env, [
    jobMeta(48140, { jobClass: "production-deploy", name: "deploy-production", stage: "deploy", arrivedAt: now - 12_000 }),
    jobMeta(48133, { jobClass: "protected", name: "release-notes", arrivedAt: now - 64_000 }),
    jobMeta(48135, { jobClass: "merge-request", name: "unit-tests", arrivedAt: now - 48_000 }),
    jobMeta(48136, { jobClass: "merge-request", name: "integration-tests", arrivedAt: now - 47_000 }),
    jobMeta(48137, { jobClass: "merge-request", name: "lint", arrivedAt: now - 31_000 }),
    jobMeta(48125, { jobClass: "scheduled", name: "nightly-dependency-scan", arrivedAt: now - 212_000 }),
    jobMeta(48141, { pool: "gpu", jobClass: "merge-request", name: "cuda-tests", arrivedAt: now - 95_000 }),
  ]);
  const modes = [
    { jobId: 48131, jobClass: "other-deploy", runnerId: "r-005", mode: "rule", margin: 0.41, rationale: "r-005: most free capacity (2/4) and 82% disk headroom" },
    { jobId: 48127, jobClass: "default-branch", runnerId: "w-001", pool: "windows", mode: "rule", margin: null, rationale: "only candidate in pool windows" },
    { jobId: 48120, jobClass: "merge-request", runnerId: "r-004", mode: "llm", margin: 0.06, rationale: "LLM tie-break: r-004 ran this pipeline's build stage (warm cache) over r-002" },
    { jobId: 48114, jobClass: "merge-request", runnerId: "r-001", mode: "rule", margin: 0.22, rationale: "r-001: same pipeline affinity, median duration 0.8x fleet" },
    { jobId: 48113, jobClass: "merge-request", runnerId: "r-001", mode: "fifo-fallback", margin: null, rationale: "scorer silent for 250 ms: plain FIFO", fallbackReason: "scorer timeout" },
    { jobId: 48102, jobClass: "default-branch", runnerId: "r-002", mode: "rule", margin: 0.18, rationale: "r-002: best success rate (98%) for default-branch builds" },
    { jobId: 48099, jobClass: "protected", runnerId: "r-005", mode: "rule", margin: 0.35, rationale: "r-005: 8 CPU fits e2e-tests; r-003 too small" },
    { jobId: 48090, jobClass: "scheduled", runnerId: "g-001", pool: "gpu", tier: "advisory", enforced: false, mode: "rule", margin: 0.5, rationale: "advisory: FIFO placed it on g-001 (Switchyard agreed)" },
  ] as const;
  await putDecisions(env, [...modes].reverse().map((m, i) => decision(m.jobId, {
    decisionId: `d-${m.jobId}`, decidedAt: now - (modes.length - i) * 7_000, fifoRunnerId: "r-002", ...m,
  })));
  await putSli(env, "linux", "production-deploy", { 1: 18, 3: 4, 10: 1 });
  await putSli(env, "linux", "merge-request", { 1: 120, 3: 160, 10: 140, 30: 60, 60: 18, 120: 6 }, 9);
  await putSli(env, "linux", "default-branch", { 1: 40, 3: 52, 10: 30, 30: 8 }, 1);
  await putSli(env, "gpu", "merge-request", { 10: 3, 30: 6, 60: 5, 120: 4, 300: 2 }, 4);
  await env.redis.set(env.keys.breaker, JSON.stringify({ state: "closed", at: now - 1_260_000, reason: "scorer answered 5 probes in budget" }));
}
