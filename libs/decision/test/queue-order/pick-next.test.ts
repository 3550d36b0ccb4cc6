import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  defaultQueueOrderConfig as cfg, overtakeWindowMs, pickNext, queueKey,
  type PickContext, type QueueEntry,
} from "../../src/index.js";

const MAX_WEIGHT = 100;
const emptyCtx: PickContext = { now: 0, runningByProject: new Map(), highClassUsedByProject: new Map() };

function entry(e: Partial<QueueEntry> & { jobId: number }): QueueEntry {
  return { projectId: 1, jobClass: "default", weight: 20, arrivedAt: 0, environment: null, isDeploy: false, ...e };
}

/** ZSET order: static key, ties by arrival then id. */
function zsetOrder(a: QueueEntry, b: QueueEntry): number {
  return queueKey(a, cfg) - queueKey(b, cfg) || a.arrivedAt - b.arrivedAt || a.jobId - b.jobId;
}

/** A ZSET stand-in: entries sorted by static key, ties by arrival then id (as the assigner's member order). */
function headOf(queue: QueueEntry[], k: number): QueueEntry[] {
  return [...queue].sort(zsetOrder).slice(0, k);
}

/** Inserts into an array kept in ZSET order. */
function zadd(sorted: QueueEntry[], e: QueueEntry): void {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (zsetOrder(sorted[mid]!, e) < 0) lo = mid + 1;
    else hi = mid;
  }
  sorted.splice(lo, 0, e);
}

const arbContext = fc.record({
  running: fc.array(fc.nat(60), { minLength: 6, maxLength: 6 }),
  used: fc.array(fc.nat(40), { minLength: 6, maxLength: 6 }),
});
function toCtx(c: { running: number[]; used: number[] }, now: number): PickContext {
  return {
    now,
    runningByProject: new Map(c.running.map((n, p) => [p, n])),
    highClassUsedByProject: new Map(c.used.map((n, p) => [p, n])),
  };
}

describe("pickNext", () => {
  it("returns undefined for an empty head", () => {
    expect(pickNext([], emptyCtx, cfg)).toBeUndefined();
  });

  it("picks a waiting job within a bound under an endless stream of higher classes", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: MAX_WEIGHT }), // target weight
      fc.array(fc.record({ weight: fc.integer({ min: 0, max: MAX_WEIGHT }), project: fc.nat(5), ago: fc.nat(3_600_000) }), { maxLength: 40 }),
      // ms between arrivals, scaled to the head start so the number of steps stays small
      fc.integer({ min: cfg.secondsPerWeightPoint * 170, max: cfg.secondsPerWeightPoint * 2000 }),
      fc.option(fc.nat(5_000)), // the target's expected run time (s), or unknown
      fc.array(arbContext, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 40 }), // lookahead
      (targetWeight, backlog, gapMs, expectedDurationS, contexts, k) => {
        const t0 = 10_000_000;
        const target = entry({ jobId: 1, projectId: 0, weight: targetWeight, arrivedAt: t0, expectedDurationS });
        let nextId = 2;
        const queue: QueueEntry[] = [target, ...backlog.map((b) => entry({ jobId: nextId++, projectId: b.project, weight: b.weight, arrivedAt: t0 - b.ago }))].sort(zsetOrder);
        const window = overtakeWindowMs(target, MAX_WEIGHT, cfg);
        // Everything that can be ahead: the backlog plus arrivals inside the window.
        const maxSteps = queue.length + 2 * Math.ceil(window / gapMs) + 1;
        for (let step = 1; ; step++) {
          const now = t0 + step * gapMs;
          // Two higher-class (or equal) jobs arrive per step, one is dispatched: the backlog grows forever.
          for (const offset of [0, 1]) {
            zadd(queue, entry({ jobId: nextId++, projectId: 1 + ((step + offset) % 5), weight: Math.max(targetWeight, MAX_WEIGHT - ((step + offset) % 3)), arrivedAt: now }));
          }
          const picked = pickNext(queue.slice(0, k), toCtx(contexts[step % contexts.length]!, now), cfg)!;
          queue.splice(queue.indexOf(picked), 1);
          if (picked === target) break;
          expect(picked.arrivedAt - t0).toBeLessThan(window); // nobody from past the window overtakes
          expect(step).toBeLessThanOrEqual(maxSteps);
        }
      },
    ), { numRuns: 100 });
  });

  it("makes a project with many running jobs yield to one with fewer", () => {
    fc.assert(fc.property(
      fc.nat(100), fc.nat(60), fc.integer({ min: 1, max: 60 }), fc.nat(1_000_000),
      (weight, fewer, extra, arrivedAt) => {
        fc.pre(fewer * cfg.fairnessPenaltySecondsPerRunningJob < cfg.fairnessPenaltyMaxSeconds);
        const busy = entry({ jobId: 1, projectId: 1, weight, arrivedAt });
        const quiet = entry({ jobId: 2, projectId: 2, weight, arrivedAt });
        const ctx: PickContext = { now: arrivedAt, runningByProject: new Map([[1, fewer + extra], [2, fewer]]), highClassUsedByProject: new Map() };
        expect(pickNext([busy, quiet], ctx, cfg)).toBe(quiet);
        expect(pickNext([quiet, busy], ctx, cfg)).toBe(quiet);
      },
    ));
  });

  it("treats a project over its high-class budget at the demoted weight", () => {
    const { minWeight, perProjectPerHour, demotedWeight } = cfg.highClassBudget;
    fc.assert(fc.property(
      fc.integer({ min: minWeight, max: MAX_WEIGHT }),
      fc.integer({ min: demotedWeight + 1, max: minWeight - 1 }),
      fc.nat(perProjectPerHour - 1), fc.nat(100),
      (highWeight, otherWeight, withinBudget, overBy) => {
        const greedy = entry({ jobId: 1, projectId: 1, weight: highWeight, arrivedAt: 0, isDeploy: true, environment: "production" });
        const other = entry({ jobId: 2, projectId: 2, weight: otherWeight, arrivedAt: 0 });
        const over: PickContext = { ...emptyCtx, highClassUsedByProject: new Map([[1, perProjectPerHour + overBy]]) };
        const within: PickContext = { ...emptyCtx, highClassUsedByProject: new Map([[1, withinBudget]]) };
        expect(pickNext([greedy, other], over, cfg)).toBe(other);
        expect(pickNext([greedy, other], within, cfg)).toBe(greedy);
      },
    ));
  });

  it("never dispatches deploys to one environment out of arrival order", () => {
    const arbJob = fc.record({
      weight: fc.integer({ min: 0, max: MAX_WEIGHT }), project: fc.nat(2), env: fc.constantFrom("production", "staging", null),
      stop: fc.boolean(), at: fc.nat(600_000),
    });
    fc.assert(fc.property(fc.array(arbJob, { minLength: 1, maxLength: 40 }), fc.array(arbContext, { minLength: 1, maxLength: 5 }), (jobs, contexts) => {
      const queue = jobs.map((j, i) => entry({
        jobId: i + 1, projectId: j.project, weight: j.weight, arrivedAt: j.at, environment: j.env, isDeploy: j.env !== null && !j.stop,
      }));
      const lastDeploy = new Map<string, QueueEntry>();
      for (let step = 0; queue.length > 0; step++) {
        const picked = pickNext(headOf(queue, queue.length), toCtx(contexts[step % contexts.length]!, 0), cfg)!;
        queue.splice(queue.indexOf(picked), 1);
        if (!picked.isDeploy) continue;
        const envKey = `${picked.projectId}/${picked.environment}`;
        const previous = lastDeploy.get(envKey);
        if (previous) expect(previous.arrivedAt < picked.arrivedAt || (previous.arrivedAt === picked.arrivedAt && previous.jobId < picked.jobId)).toBe(true);
        lastDeploy.set(envKey, picked);
      }
    }), { numRuns: 300 });
  });

  it("returns the earlier deploy to the same environment instead of a later, higher-ranked one", () => {
    const stopLike = entry({ jobId: 1, projectId: 1, weight: 10, arrivedAt: 0, environment: "production", isDeploy: true });
    const prod = entry({ jobId: 2, projectId: 1, weight: 100, arrivedAt: 1_000, environment: "production", isDeploy: true });
    const otherProject = entry({ jobId: 3, projectId: 2, weight: 10, arrivedAt: -5_000, environment: "production", isDeploy: true });
    expect(pickNext([prod, stopLike, otherProject], emptyCtx, cfg)).toBe(stopLike);
  });

  it("breaks ties by arrival, then by job id", () => {
    const a = entry({ jobId: 5, arrivedAt: 100, weight: 20 });
    const b = entry({ jobId: 4, arrivedAt: 100, weight: 20 });
    expect(pickNext([a, b], emptyCtx, cfg)).toBe(b);
  });
});
