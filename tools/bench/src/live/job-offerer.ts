import type { JobSpecInput } from "@switchyard/gitlab-sim";

/** Offers jobs to the sim GitLab at a set rate, in batches per tick, and remembers when each was offered. */
export interface JobOfferer {
  /** Offers `rate` jobs per second until `stop()`; replaces any previous rate. */
  run(rate: number): void;
  stop(): Promise<void>;
  /** Jobs accepted by the sim GitLab so far. */
  offered(): number;
  /** Wall time (ms) the batch holding this job was sent; undefined for jobs not offered here. */
  offeredAt(jobId: number): number | undefined;
  /** POST failures (the sim GitLab could not take a batch). */
  errors(): number;
}

export interface JobOffererDeps {
  gitlabUrl: string;
  adminToken: string;
  /** Tags of each pool; jobs go round-robin over them. */
  poolTags: string[][];
  /** Simulated seconds each job runs. */
  jobSeconds: number;
  tickMs?: number;
  now?: () => number;
}

/** A realistic mix: mostly default-branch jobs, some merge requests, protected refs and production deploys. */
export function benchJob(seq: number, tags: string[], durationSeconds: number): JobSpecInput {
  const projectId = 1 + (seq % 40);
  const base = { stage: "test", projectId, projectPath: `grp/app-${projectId}`, tags, durationSeconds };
  switch (seq % 20) {
    case 0: return { ...base, name: "deploy-production", stage: "deploy", protected: true, environment: { name: "production", tier: "production" } };
    case 1: case 2: return { ...base, name: `mr-test-${seq % 7}`, pipelineSource: "merge_request_event", ref: "feature" };
    case 3: case 4: case 5: return { ...base, name: `release-build-${seq % 5}`, stage: "build", ref: "release-1", protected: true };
    default: return { ...base, name: `unit-${seq % 11}` };
  }
}

export function createJobOfferer(deps: JobOffererDeps): JobOfferer {
  const now = deps.now ?? Date.now;
  const tickMs = deps.tickMs ?? 50;
  const sentAt = new Map<number, number>();
  const inflight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let seq = 0;
  let failed = 0;
  let accepted = 0;

  const post = (count: number) => {
    const jobs = Array.from({ length: count }, () => {
      const n = seq++;
      return benchJob(n, deps.poolTags[n % deps.poolTags.length] ?? [], deps.jobSeconds);
    });
    const at = now();
    const p = fetch(`${deps.gitlabUrl}/sim/jobs`, {
      method: "POST", headers: { "Content-Type": "application/json", "PRIVATE-TOKEN": deps.adminToken }, body: JSON.stringify(jobs),
    }).then(async (res) => {
      if (res.status !== 201) { failed++; await res.arrayBuffer(); return; }
      const { ids } = (await res.json()) as { ids: number[] };
      for (const id of ids) sentAt.set(id, at);
      accepted += ids.length;
    }).catch(() => { failed++; }).finally(() => inflight.delete(p));
    inflight.add(p);
  };

  return {
    run(rate) {
      if (timer) clearInterval(timer);
      const started = now();
      let sent = 0;
      timer = setInterval(() => {
        // Catch up from the step's start, so a late tick never lowers the offered rate.
        const due = Math.floor(((now() - started) / 1000) * rate) - sent;
        if (due <= 0) return;
        sent += due;
        post(due);
      }, tickMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await Promise.allSettled([...inflight]);
    },
    offered: () => accepted,
    offeredAt: (jobId) => sentAt.get(jobId),
    errors: () => failed,
  };
}
