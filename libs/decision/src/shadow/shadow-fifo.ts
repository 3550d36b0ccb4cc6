/** One finished job as the shadow FIFO replays it: when it became pending, how long it ran, how long it waited. */
export interface ShadowJob {
  jobId: number;
  jobClass: string;
  /** When the job became pending (epoch ms): its outcome's end less its run and queue time. */
  pendingAt: number;
  runSeconds: number;
  /** The wait it actually had (the outcome's queueSeconds). */
  liveWaitSeconds: number;
}

/** A replayed job: the wait it had beside the wait FIFO would have given it on the same slots. */
export interface ShadowResult extends ShadowJob {
  fifoWaitSeconds: number;
  /** Its outcome came after later arrivals were replayed: it was replayed at the earliest time left. */
  late: boolean;
}

/** One pool's shadow FIFO between two replays; treat as immutable. */
export interface ShadowFifoState {
  /** When each slot is free again (epoch ms), ascending. */
  slotFreeAt: readonly number[];
  /** Finished jobs not replayed yet, by pending time then job id. */
  waiting: readonly ShadowJob[];
  /** The last pending time replayed: FIFO's clock cannot go back. */
  replayedUpTo: number;
}

/** A shadow FIFO that has replayed nothing. */
export function emptyShadowFifo(): ShadowFifoState {
  return { slotFreeAt: [], waiting: [], replayedUpTo: Number.NEGATIVE_INFINITY };
}

const byArrival = (a: ShadowJob, b: ShadowJob) => a.pendingAt - b.pendingAt || a.jobId - b.jobId;

/** The state with one more finished job waiting to be replayed (kept in arrival order). */
export function addFinishedJob(state: ShadowFifoState, job: ShadowJob): ShadowFifoState {
  const waiting = [...state.waiting];
  let i = waiting.length;
  while (i > 0 && byArrival(waiting[i - 1]!, job) > 0) i--;
  waiting.splice(i, 0, job);
  return { ...state, waiting };
}

/**
 * Resizes the slot list to `slots`: new slots are free at once; a shrinking pool loses its idlest
 * slots first (the runners that went away were most likely idle), so busy slots keep their work.
 */
function resize(slotFreeAt: readonly number[], slots: number): number[] {
  const sorted = [...slotFreeAt].sort((a, b) => a - b);
  if (sorted.length > slots) return sorted.slice(sorted.length - slots);
  while (sorted.length < slots) sorted.unshift(Number.NEGATIVE_INFINITY);
  return sorted;
}

/**
 * Replays FIFO (the oldest pending job takes the slot that frees first, as GitLab hands out jobs)
 * over the finished jobs that became pending before `settledBefore`, on `slots` slots, and returns
 * each one's FIFO wait. Jobs pending later wait for a later replay: an older job may still be queued
 * or running, and replaying past it would give its successors a FIFO wait too short. A job whose
 * outcome arrives after later ones were replayed is replayed at the earliest time left and marked
 * `late`. Pure: the same state and arguments give the same answer.
 */
export function replayFifo(state: ShadowFifoState, options: { slots: number; settledBefore: number }): { state: ShadowFifoState; replayed: ShadowResult[] } {
  const slots = Math.max(1, Math.floor(options.slots));
  const free = resize(state.slotFreeAt, slots);
  const replayed: ShadowResult[] = [];
  let upTo = state.replayedUpTo;
  let next = 0;
  for (; next < state.waiting.length; next++) {
    const job = state.waiting[next]!;
    if (job.pendingAt >= options.settledBefore) break;
    const late = job.pendingAt < upTo;
    const arrival = Math.max(job.pendingAt, upTo);
    upTo = arrival;
    // free[0] is the slot that frees first; FIFO gives it to the oldest pending job.
    const start = Math.max(arrival, free[0]!);
    const end = start + job.runSeconds * 1000;
    free.shift();
    let i = free.length;
    while (i > 0 && free[i - 1]! > end) i--;
    free.splice(i, 0, end);
    replayed.push({ ...job, fifoWaitSeconds: Math.max(0, (start - job.pendingAt) / 1000), late });
  }
  return { state: { slotFreeAt: free, waiting: state.waiting.slice(next), replayedUpTo: upTo }, replayed };
}
