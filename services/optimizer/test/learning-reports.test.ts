import { describe, expect, it } from "vitest";
import { counterfactualReport } from "../src/learning/counterfactual.js";
import { joinRecord, type JoinedRecord } from "../src/learning/joined-record.js";
import { llmReport } from "../src/learning/llm-stats.js";
import { pluginAccuracy, spearman } from "../src/learning/plugin-accuracy.js";
import { createRunHistory } from "../src/learning/run-history.js";
import { proposeTrustChange, type TrustEvidence, type TrustThresholds } from "../src/learning/trust.js";
import { decision, finished } from "./learning-fixtures.js";

function history(samples: [string, string, number][]) {
  const h = createRunHistory();
  for (const [runner, jobClass, s] of samples) h.add(runner, jobClass, s);
  return h;
}

describe("counterfactual regret versus FIFO", () => {
  const h = history([["r2", "build", 100], ["r2", "build", 120], ["r2", "build", 110], ["r1", "build", 60]]);

  it("estimates an enforced choice against the FIFO runner's recent median for the class", () => {
    const r = joinRecord(decision(1), finished(1, "r1", 70), h);
    expect(r.regretSeconds).toBe(70 - 110);
  });

  it("estimates an advisory decision (FIFO ran it) from the chosen runner's recent median", () => {
    const r = joinRecord(decision(2, { enforced: false, tier: "advisory" }), finished(2, "r2", 90), h);
    expect(r.regretSeconds).toBe(60 - 90);
  });

  it("has zero regret when Switchyard and FIFO agree, and no estimate without history", () => {
    expect(joinRecord(decision(3, { fifoRunnerId: "r1" }), finished(3, "r1", 70), h).regretSeconds).toBe(0);
    expect(joinRecord(decision(4, { fifoRunnerId: "r9" }), finished(4, "r1", 70), h).regretSeconds).toBeNull();
  });

  it("reports regret per class with means, medians and the seconds saved", () => {
    const records: JoinedRecord[] = [
      joinRecord(decision(1), finished(1, "r1", 70), h),
      joinRecord(decision(2), finished(2, "r1", 100), h),
      joinRecord(decision(3, { fifoRunnerId: "r1" }), finished(3, "r1", 70), h),
      joinRecord(decision(4, { fifoRunnerId: "r9" }), finished(4, "r1", 70), h),
      joinRecord(decision(5, { jobClass: "lint", enforced: false, tier: "advisory" }), finished(5, "r2", 10, "success", "lint"), h),
    ];
    expect(counterfactualReport(records)).toEqual([
      { jobClass: "build", decisions: 4, enforced: 4, sameAsFifo: 1, estimated: 3, meanRegretSeconds: (-40 - 10 + 0) / 3, medianRegretSeconds: -10, savedSeconds: 50 },
      { jobClass: "lint", decisions: 1, enforced: 0, sameAsFifo: 0, estimated: 0, meanRegretSeconds: null, medianRegretSeconds: null, savedSeconds: -0 },
    ]);
  });
});

describe("plugin accuracy", () => {
  it("computes Spearman's rank correlation with ties", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9487, 3);
  });

  it("rewards a plugin whose higher scores ran faster and punishes one that predicted failures", () => {
    const h = history([["x", "build", 100]]);
    const records = [
      joinRecord(decision(1, { scores: { r1: { speed: 90, diskHeadroom: 10 } } }), finished(1, "r1", 50), h),
      joinRecord(decision(2, { scores: { r1: { speed: 60, diskHeadroom: 50 } } }), finished(2, "r1", 100), h),
      joinRecord(decision(3, { scores: { r1: { speed: 30, diskHeadroom: 90 } } }), finished(3, "r1", 200), h),
      joinRecord(decision(4, { scores: { r1: { speed: 20, diskHeadroom: 95 } } }), finished(4, "r1", 80, "failed"), h),
    ];
    expect(pluginAccuracy(records)).toEqual([
      { plugin: "diskHeadroom", samples: 4, correlation: expect.closeTo(-1, 6) },
      { plugin: "speed", samples: 4, correlation: expect.closeTo(1, 6) },
    ]);
  });
  it("skips outcomes that say nothing about the runner (a cancel, the job's own failure) as the scorer does", () => {
    const h = history([["x", "build", 100]]);
    const failedBy = (jobId: number, failureReason: string) => ({ ...finished(jobId, "r1", 80, "failed"), failureReason });
    const records = [
      joinRecord(decision(1, { scores: { r1: { speed: 90 } } }), finished(1, "r1", 50), h),
      joinRecord(decision(2, { scores: { r1: { speed: 60 } } }), finished(2, "r1", 100), h),
      joinRecord(decision(3, { scores: { r1: { speed: 10 } } }), failedBy(3, "runner_system_failure"), h),
      joinRecord(decision(4, { scores: { r1: { speed: 95 } } }), failedBy(4, "script_failure"), h),
      joinRecord(decision(5, { scores: { r1: { speed: 99 } } }), finished(5, "r1", 80, "canceled"), h),
    ];
    expect(records.map((r) => r.verdict)).toEqual(["runner-ok", "runner-ok", "runner-fault", "job-fault", "nobody"]);
    // Counted: 1, 2, 3 (speed ranks match goodness exactly); the script failure and the cancel would break the order.
    expect(pluginAccuracy(records)).toEqual([{ plugin: "speed", samples: 3, correlation: expect.closeTo(1, 6) }]);
  });
});

describe("LLM tie-break report", () => {
  it("counts disagreements with the rule choice and whether following the LLM finished faster", () => {
    const h = history([["r1", "build", 100], ["r2", "build", 100]]);
    const llm = (choice: string, accepted = true) => ({ asked: true, skippedReason: null, model: "m", choice, accepted, reason: "r", latencyMs: 5, auditId: null });
    const records = [
      joinRecord(decision(1, { mode: "llm", runnerId: "r2", llm: llm("r2") }), finished(1, "r2", 60), h),
      joinRecord(decision(2, { mode: "llm", runnerId: "r2", llm: llm("r2") }), finished(2, "r2", 160), h),
      joinRecord(decision(3, { llm: llm("r1") }), finished(3, "r1", 60), h),
      joinRecord(decision(4), finished(4, "r1", 60), h),
    ];
    const now = 100 * 3600_000;
    expect(llmReport(records, [now - 1_000, now - 2_000, now - 3_000, now - 25 * 3600_000], now)).toEqual({
      callsPerDay: 3, costPerDay: null, asked: 3, disagreed: 2, followed: 2, faster: 1, slower: 1, unknown: 0,
    });
  });
});

describe("trust proposals", () => {
  const t: TrustThresholds = { minDecisions: 10, minEstimated: 5, promoteMaxMeanRegretSeconds: 0, promoteMaxRejectionRate: 0.1, demoteMinMeanRegretSeconds: 30, demoteMinRejectionRate: 0.3 };
  const ev = (tier: TrustEvidence["tier"], decisions: number, mean: number | null, approved = 0, rejected = 0): TrustEvidence => ({
    jobClass: "build", tier, decisions, approved, rejected, timedOut: 0,
    rejectionRate: approved + rejected > 0 ? rejected / (approved + rejected) : null,
    regret: { jobClass: "build", decisions, enforced: decisions, sameAsFifo: 0, estimated: mean === null ? 0 : 8, meanRegretSeconds: mean, medianRegretSeconds: mean, savedSeconds: 0 },
  });

  it.each([
    ["promotes advisory when its choices beat FIFO", ev("advisory", 20, -5), "supervised"],
    ["waits for enough decisions", ev("advisory", 9, -5), null],
    ["does not promote when regret is positive", ev("advisory", 20, 3), null],
    ["promotes supervised only when humans rarely reject", ev("supervised", 20, -5, 19, 1), "autonomous"],
    ["keeps supervised when humans reject too often", ev("supervised", 20, -5, 17, 3), null],
    ["keeps supervised without any human verdict", ev("supervised", 20, -5), null],
    ["demotes autonomous when regret passes the limit", ev("autonomous", 20, 45), "supervised"],
    ["demotes supervised when humans reject a lot", ev("supervised", 20, -5, 5, 5), "advisory"],
    ["never promotes past autonomous", ev("autonomous", 20, -50), null],
  ] as const)("%s", (_name, evidence, to) => {
    expect(proposeTrustChange(evidence, t)?.to ?? null).toBe(to);
  });
});
