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
