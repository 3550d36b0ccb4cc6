/**
 * Which jobs GitLab runs on a pool's registration are lost to Switchyard (its Redis forgot them:
 * FLUSHALL, a restart without persistence). Pure, so it is tested without GitLab or Redis.
 *
 * A job is a suspect when Switchyard neither holds it nor has a hand-off for it and no broker proxied
 * a call for it within the grace period. It is lost once it has stayed a suspect for the whole grace
 * period: a job the poller took a moment ago (not yet in Redis), or one a runner is still running
 * (its trace and update calls keep flowing through a broker), is never recovered.
 */
export interface LostJobsInput {
  /** Job ids GitLab lists as running on the registration. */
  running: readonly number[];
  /** Held (queued, reserved) or handed off according to Redis. */
  known: ReadonlySet<number>;
  /** Epoch ms of the latest proxied call per job, where a broker recorded one. */
  lastSeenAt: ReadonlyMap<number, number>;
  /** Suspects from the previous pass with the time each was first suspected. */
  suspects: ReadonlyMap<number, number>;
  now: number;
  graceMs: number;
}

export interface LostJobsDecision {
  /** Unknown and unseen for the whole grace period: recover these. */
  lost: number[];
  /** Still suspected, with first-suspected times, for the next pass (lost ones excluded). */
  suspects: Map<number, number>;
}

export function decideLostJobs(input: LostJobsInput): LostJobsDecision {
  const lost: number[] = [];
  const suspects = new Map<number, number>();
  for (const jobId of input.running) {
    if (input.known.has(jobId)) continue;
    const seen = input.lastSeenAt.get(jobId);
    if (seen !== undefined && input.now - seen < input.graceMs) continue;
    // A sighting within the grace period cleared the suspicion above; a new suspect starts its clock now.
    const first = input.suspects.get(jobId) ?? input.now;
    if (input.now - first >= input.graceMs) lost.push(jobId);
    else suspects.set(jobId, first);
  }
  return { lost, suspects };
}

/**
 * The other direction: hand-offs Redis still records for jobs GitLab no longer runs anywhere Switchyard
 * pulls from. Their final update went through a broker while Redis was unreachable, so the record, the
 * job token and the fairness counters were never cleared. A hand-off is stale when it is older than the
 * grace period, GitLab lists the job on none of the pools, and no broker saw a call for it within grace
 * (a job being cancelled is listed as `canceling`, not running, while its runner still calls).
 */
export interface StaleHandoffsInput {
  handoffs: readonly { jobId: number; at: number }[];
  /** Every job GitLab lists as running, over all pools: only meaningful when every pool was listed. */
  running: ReadonlySet<number>;
  lastSeenAt: ReadonlyMap<number, number>;
  now: number;
  graceMs: number;
}

export function decideStaleHandoffs(input: StaleHandoffsInput): number[] {
  return input.handoffs.filter((h) => {
    if (input.now - h.at < input.graceMs || input.running.has(h.jobId)) return false;
    const seen = input.lastSeenAt.get(h.jobId);
    return seen === undefined || input.now - seen >= input.graceMs;
  }).map((h) => h.jobId);
}
