import type { SimJob, SimRunner } from "./model.js";

/** Whether GitLab would hand `job` to `runner` at all: tags, run-untagged, protected refs, timeout. */
export function runnerCanTake(runner: SimRunner, job: SimJob): boolean {
  const tags = job.spec.tags;
  if (tags.length === 0 && !runner.runUntagged) return false;
  if (!tags.every((t) => runner.tags.includes(t))) return false;
  if (runner.accessLevel === "ref_protected" && !job.spec.protected) return false;
  return true;
}

/** Running jobs per project on instance runners: the key of GitLab's fair scheduling. */
export type InstanceRunningCounts = ReadonlyMap<number, number>;

/**
 * Orders a runner's candidate jobs as GitLab's queue strategies do: FIFO by id for project
 * and group runners; for instance runners, fewest running instance-runner jobs per project first, then id.
 */
export function orderCandidates(runner: SimRunner, candidates: SimJob[], counts: InstanceRunningCounts): SimJob[] {
  const sorted = [...candidates];
  if (runner.runnerType === "instance_type") {
    sorted.sort((a, b) => (counts.get(a.spec.projectId) ?? 0) - (counts.get(b.spec.projectId) ?? 0) || a.id - b.id);
  } else {
    sorted.sort((a, b) => a.id - b.id);
  }
  return sorted;
}

/** The features a job needs that the runner's `info.features` does not advertise. */
export function missingFeatures(job: SimJob, features: Record<string, unknown> | undefined): string[] {
  return job.spec.requiredFeatures.filter((f) => features?.[f] !== true);
}

/** GitLab's string form of a running-job count: "0", "1", "2", "3+". */
export function runningCountLabel(count: number): string {
  return count >= 3 ? "3+" : String(count);
}
