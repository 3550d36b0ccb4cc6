import { describe, expect, it } from "vitest";
import { decideLostJobs, decideStaleHandoffs } from "../src/upstream/lost-jobs.js";

const base = { known: new Set<number>(), lastSeenAt: new Map<number, number>(), suspects: new Map<number, number>(), graceMs: 1_000 };

describe("which jobs GitLab runs that Switchyard lost", () => {
  it("never picks a job Redis holds or has a hand-off for", () => {
    const out = decideLostJobs({ ...base, running: [1], known: new Set([1]), suspects: new Map([[1, 0]]), now: 10_000 });
    expect(out).toEqual({ lost: [], suspects: new Map() });
  });

  it("suspects an unknown job first and recovers it only after a whole grace period unseen", () => {
    const first = decideLostJobs({ ...base, running: [7], now: 5_000 });
    expect(first.lost).toEqual([]);
    expect(first.suspects).toEqual(new Map([[7, 5_000]]));
    const early = decideLostJobs({ ...base, running: [7], suspects: first.suspects, now: 5_999 });
    expect(early.lost).toEqual([]);
    const due = decideLostJobs({ ...base, running: [7], suspects: first.suspects, now: 6_000 });
    expect(due).toEqual({ lost: [7], suspects: new Map() });
  });

  it("leaves alone a job a broker proxied a call for within the grace period, and restarts its clock", () => {
    const seen = decideLostJobs({ ...base, running: [3], lastSeenAt: new Map([[3, 9_500]]), suspects: new Map([[3, 0]]), now: 10_000 });
    expect(seen).toEqual({ lost: [], suspects: new Map() });
    // Its runner went quiet afterwards: it becomes a new suspect, not lost at once.
    const quiet = decideLostJobs({ ...base, running: [3], lastSeenAt: new Map([[3, 9_500]]), suspects: seen.suspects, now: 10_600 });
    expect(quiet).toEqual({ lost: [], suspects: new Map([[3, 10_600]]) });
  });

  it("forgets suspects GitLab no longer lists as running", () => {
    const out = decideLostJobs({ ...base, running: [], suspects: new Map([[4, 0]]), now: 10_000 });
    expect(out).toEqual({ lost: [], suspects: new Map() });
  });
});

describe("which hand-offs Redis keeps for jobs GitLab no longer runs", () => {
  const now = 10_000;
  it("drops an old hand-off GitLab lists on no pool and no broker saw a call for", () => {
    expect(decideStaleHandoffs({ handoffs: [{ jobId: 1, at: 0 }], running: new Set(), lastSeenAt: new Map(), now, graceMs: 1_000 })).toEqual([1]);
  });
  it("keeps a hand-off whose job GitLab still runs, one too recent, and one a runner still calls for", () => {
    const handoffs = [{ jobId: 1, at: 0 }, { jobId: 2, at: 9_500 }, { jobId: 3, at: 0 }];
    expect(decideStaleHandoffs({ handoffs, running: new Set([1]), lastSeenAt: new Map([[3, 9_900]]), now, graceMs: 1_000 })).toEqual([]);
  });
});
