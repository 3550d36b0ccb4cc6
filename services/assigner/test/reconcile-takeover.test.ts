import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Counter, Registry } from "prom-client";
import type { GitLabRunnerJob } from "@switchyard/gitlab-client";
import { createLease, createLogger } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { reconcileLeaseTtlMs, startReconciler, type Reconciler } from "../src/upstream/reconciler.js";

// Issue 13: a broker SIGKILLed mid-jobs/request drops the jobs GitLab was handing it; only reconcile
// brings them back, and it must do so before GitLab's 30-minute stale-job rule fails them. When the
// broker killed was the one holding the reconcile lease, the other replica can start only once the
// lease lapses: the lease's TTL is part of the recovery time.
const log = createLogger({ name: "reconcile-takeover-test", level: "silent" });
const INTERVAL_MS = 500;
const GRACE_MS = 2_000;
const lostJob: GitLabRunnerJob = { id: 7, name: "test 7", stage: "test", status: "running", ref: "main", projectId: 3, pipelineId: 1, startedAt: 0, queuedDurationSeconds: 1 };

let env: TestEnv;
let reconciler: Reconciler | undefined;
beforeEach(async () => { env = await createTestEnv("reconcile-takeover"); });
afterEach(async () => {
  await reconciler?.stop();
  await env.close();
});

describe("reconcile: the replica holding the lease dies", () => {
  it("lets the other replica retry a lost job within 3 intervals plus one grace period of the death", async () => {
    const key = env.keys.lease("reconcile");
    const ttlMs = reconcileLeaseTtlMs(INTERVAL_MS);
    // The reconciling replica renews the lease at its last pass, then is SIGKILLed: no release.
    const dead = createLease({ redis: env.redis, key, ttlMs, holder: "assigner-0" });
    expect(await dead.ensure()).toBe(true);
    const diedAt = Date.now();

    let status = "running";
    const retriedAt: number[] = [];
    const gitlab = {
      runningJobs: async () => (status === "running" ? [lostJob] : []),
      cancelJob: async () => { status = "canceled"; return { ...lostJob, status }; },
      retryJob: async (_project: number, jobId: number) => { retriedAt.push(Date.now()); return { ...lostJob, id: jobId + 1000, status: "pending" }; },
    };
    const registry = new Registry();
    reconciler = startReconciler({
      pools: [{ name: "linux", upstreamToken: "t" }], runnerIdOf: async () => 1, gitlab,
      isKnown: async () => false, handoffs: { before: async () => [], forget: async () => null },
      sightings: { lastSeen: async () => new Map() },
      lease: createLease({ redis: env.redis, key, ttlMs, holder: "assigner-1" }),
      intervalMs: INTERVAL_MS, graceMs: GRACE_MS, log,
      recovered: new Counter({ name: "t_reconciled", help: "t", labelNames: ["pool", "result"] as const, registers: [registry] }),
    });
    await waitFor(() => retriedAt.length > 0, { timeoutMs: 15_000, intervalMs: 50, what: "the lost job retried" });
    // Lapse (2 intervals) + the next pass (1 interval) + the grace, with 1 s for a loaded machine.
    // A TTL that also carried a grace period (the lease before) took 5 to 5.5 s here.
    expect(retriedAt[0]! - diedAt).toBeLessThan(3 * INTERVAL_MS + GRACE_MS + 1_000);
    expect(retriedAt).toHaveLength(1);
  });
});
