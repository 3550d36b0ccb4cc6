import type { Histogram } from "prom-client";

/**
 * The stages of one hand-off, in order, each named by the step that ends it (docs/OPERATING.md, "Metrics"):
 * - intake: the jobs/request answer with the job arrived → the take-in is stored in Redis
 * - queued: stored → the dispatch round (pass) that placed it starts
 * - read: that round's Redis read (polling runners, the queue head)
 * - scored: the batch's score request answered (no wait when the policy asks no scorer)
 * - reserved: the reservation written (after the jobs of its batch placed before it)
 * - woken: the runner's poll looks for the reservation (a held poll woken, or a new poll arriving)
 * - collected: the hand-off taken from Redis (with the runner's long-poll version, one step)
 * - written: the 201 with the job written to the runner
 */
export const HANDOFF_STAGES = ["intake", "queued", "read", "scored", "reserved", "woken", "collected", "written"] as const;
export type HandoffStage = (typeof HANDOFF_STAGES)[number];
/** A point in a hand-off: when the job came from GitLab, then the end of each stage. */
export type HandoffMark = "received" | HandoffStage;
const ORDER: readonly HandoffMark[] = ["received", ...HANDOFF_STAGES];

/**
 * Per-stage timing of hand-offs, kept in this process: each step marks the job, and the 201 observes every
 * stage whose two ends this process saw. With several replicas a stage that crossed replicas (the job taken in
 * or placed on one, handed off by another) is not observed. No job id leaves this module.
 */
export interface HandoffTrace {
  mark(jobId: number, mark: HandoffMark, at: number): void;
  /** The 201 was written: observes the job's stages and forgets it. */
  finish(jobId: number, at: number): void;
}

/** Jobs traced at once, at most: a job that never reaches a hand-off (cancelled, failed) ages out. */
const MAX_TRACED = 10_000;

export function createHandoffTrace(histogram: Histogram<"stage">): HandoffTrace {
  const traces = new Map<number, Partial<Record<HandoffMark, number>>>();
  return {
    mark(jobId, mark, at) {
      let t = traces.get(jobId);
      if (!t) {
        if (traces.size >= MAX_TRACED) traces.delete(traces.keys().next().value!);
        traces.set(jobId, (t = {}));
      }
      t[mark] = at;
    },
    finish(jobId, at) {
      const t = traces.get(jobId) ?? {};
      traces.delete(jobId);
      t.written = at;
      for (let i = 1; i < ORDER.length; i++) {
        const from = t[ORDER[i - 1]!];
        const to = t[ORDER[i]!];
        // A job placed again (reservation expired, hand-off undone) keeps its latest marks. A round's read can
        // see a take-in a moment before the take-in's own answer arrives: that stage counts as 0.
        if (from !== undefined && to !== undefined) histogram.observe({ stage: ORDER[i] as HandoffStage }, Math.max(0, to - from) / 1000);
      }
    },
  };
}
