import { afterEach, describe, expect, it, vi } from "vitest";
import { Counter, Registry } from "prom-client";
import type { GitLabRunnerJob } from "@switchyard/gitlab-client";
import { createLogger } from "@switchyard/runtime";
import { AWAITING_RETRY_MS, startReconciler, type Reconciler } from "../src/upstream/reconciler.js";

const log = createLogger({ name: "reconcile-retry-list-test", level: "silent" });
const lostJob: GitLabRunnerJob = { id: 7, name: "test 7", stage: "test", status: "running", ref: "main", projectId: 3, pipelineId: 1, startedAt: 0, queuedDurationSeconds: 1 };

let reconciler: Reconciler | undefined;
afterEach(async () => {
  await reconciler?.stop();
  vi.useRealTimers();
});

describe("reconcile: a retry that fails after the cancel", () => {
  it("keeps the cancelled job on the retry list and retries it within 30 s, though GitLab no longer lists it as running", async () => {
    vi.useFakeTimers();
    const registry = new Registry();
    const recovered = new Counter({ name: "t_reconciled", help: "t", labelNames: ["pool", "result"] as const, registers: [registry] });
    let status = "running";
    const retries: number[] = [];
    const retried: number[] = [];
    const gitlab = {
      // Once cancelled, GitLab lists the job no more: only the retry list can bring it back.
      runningJobs: async () => (status === "running" ? [lostJob] : []),
      cancelJob: async () => { status = "canceled"; return { ...lostJob, status }; },
      retryJob: async (_project: number, jobId: number) => {
        retries.push(Date.now());
        // The first retry meets a GitLab hiccup (a 502 from its load balancer).
        if (retries.length === 1) throw Object.assign(new Error("502 Bad Gateway"), { status: 502 });
        return { ...lostJob, id: jobId + 1000, status: "pending" };
      },
    };
    reconciler = startReconciler({
      pools: [{ name: "linux", upstreamToken: "t" }], runnerIdOf: async () => 1, gitlab,
      isKnown: async () => false, handoffs: { before: async () => [], forget: async () => null },
      sightings: { lastSeen: async () => new Map() }, lease: { ensure: async () => true, release: async () => undefined },
      intervalMs: 5 * 60_000, graceMs: 1_000, log, recovered,
      onRetried: async (_pool, job) => { retried.push(job.id); },
    });
    // Suspected at start-up, lost after the grace period: cancelled, and the retry fails.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(status).toBe("canceled");
    expect(retries).toHaveLength(1);
    expect(retried).toEqual([]);
    const failedAt = retries[0]!;
    // The next look comes within AWAITING_RETRY_MS (30 s), not a whole 5-minute interval later.
    await vi.advanceTimersByTimeAsync(AWAITING_RETRY_MS);
    expect(retries).toHaveLength(2);
    expect(retries[1]! - failedAt).toBeLessThanOrEqual(AWAITING_RETRY_MS);
    expect(retried).toEqual([7]);
    expect((await recovered.get()).values.find((v) => v.labels.result === "retried")?.value).toBe(1);
    expect((await recovered.get()).values.find((v) => v.labels.result === "failed")).toBeUndefined();
  });
});
