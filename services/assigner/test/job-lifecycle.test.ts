import { describe, expect, it } from "vitest";
import { createLogger } from "@switchyard/runtime";
import type { JobOutcome } from "@switchyard/contracts";
import { createJobLifecycle } from "../src/job-lifecycle.js";
import type { DispatchQueue, HeldJobMeta, OutboxWrite } from "../src/queue/dispatch-queue.js";

/** A lifecycle over an in-memory queue holding one job handed to r-001; records outcomes and forgets. */
function lifecycleWithHandedJob(jobId: number) {
  const published: JobOutcome[] = [];
  const forgotten: number[] = [];
  const meta = { jobId, pool: "linux", projectId: 7, arrivedAt: 1_000, gitlabQueueSeconds: 2, jobClass: "unit", decisionId: null, projectJobsRunning: null, name: "unit tests" } as unknown as HeldJobMeta;
  const queue = {
    meta: async (id: number) => (id === jobId && !forgotten.includes(id) ? meta : null),
    handoffOf: async (id: number) => (id === jobId && !forgotten.includes(id) ? { runnerId: "r-001", at: 2_000, acked: true } : null),
    markAcked: async () => null,
    forget: async (_pool: string, id: number) => { forgotten.push(id); return null; },
    end: async (_pool: string, id: number, entry: OutboxWrite) => { forgotten.push(id); published.push(JSON.parse(entry.json) as JobOutcome); return true; },
  } as unknown as DispatchQueue;
  const outbox = {
    entry: (o: JobOutcome): OutboxWrite => ({ key: "outbox", msgId: `${o.jobId}:${o.phase}`, json: JSON.stringify(o), maxEntries: 10 }),
    add: async (o: JobOutcome) => { published.push(o); return true; },
    written: () => undefined,
  };
  const lifecycle = createJobLifecycle({ queue, outbox, log: createLogger({ name: "t", level: "silent" }), onSlotFreed: () => {}, now: () => 5_000 });
  return { lifecycle, published, forgotten };
}

const update = (jobId: number, state: string | null, status: number, jobStatus: string | null, failureReason: string | null = null) =>
  ({ jobId, state, status, jobStatus, failureReason });

describe("job lifecycle: only updates GitLab accepted change Switchyard's state (issue 12)", () => {
  it("ignores a bare 403 (a wrong JOB-TOKEN): the running job is not forgotten", async () => {
    const { lifecycle, published, forgotten } = lifecycleWithHandedJob(41);
    await lifecycle.observe(update(41, "running", 403, null));
    await lifecycle.observe(update(41, "failed", 403, null, "script_failure"));
    expect(forgotten).toEqual([]);
    expect(published).toEqual([]);
  });

  it("ends the job on a 403 that carries Job-Status, with GitLab's status", async () => {
    const { lifecycle, published, forgotten } = lifecycleWithHandedJob(42);
    await lifecycle.observe(update(42, "running", 403, "canceled"));
    expect(forgotten).toEqual([42]);
    expect(published[0]).toMatchObject({ jobId: 42, phase: "finished", status: "canceled" });
  });

  it("ignores 202 and 5xx answers to a final update", async () => {
    const { lifecycle, forgotten } = lifecycleWithHandedJob(43);
    await lifecycle.observe(update(43, "success", 202, "running"));
    await lifecycle.observe(update(43, "success", 502, null));
    expect(forgotten).toEqual([]);
  });
});

describe("job lifecycle: statuses are GitLab's (issue 13)", () => {
  it("records a failed job as failed with its failure_reason, not as canceled", async () => {
    const { lifecycle, published } = lifecycleWithHandedJob(44);
    await lifecycle.observe(update(44, "failed", 200, "failed", "script_failure"));
    // The name and run time are what the optimizer learns expected durations from.
    expect(published[0]).toMatchObject({ status: "failed", failureReason: "script_failure", jobName: "unit tests", projectId: 7, runSeconds: 3 });
  });

  it("records canceled when a canceling job's runner reports failed and GitLab answers Job-Status: canceled", async () => {
    // Ci::HasStatus `drop`: `transition canceling: :canceled` (the runner's failed ends a canceling job canceled).
    const { lifecycle, published } = lifecycleWithHandedJob(45);
    await lifecycle.observe(update(45, "running", 200, "canceling"));
    expect(published).toEqual([]);
    await lifecycle.observe(update(45, "failed", 200, "canceled", "script_failure"));
    expect(published[0]).toMatchObject({ status: "canceled", failureReason: null });
  });
});
