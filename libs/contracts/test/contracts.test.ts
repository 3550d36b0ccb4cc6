import { describe, expect, it } from "vitest";
import { ContractViolation, contracts, decode, subjects, validate, type Decision } from "../src/index.js";

const decision: Decision = {
  v: 1, decisionId: "d-1", jobId: 42, pool: "linux", jobClass: "production-deploy", tier: "autonomous",
  runnerId: "r-001", mode: "rule", enforced: true, fifoRunnerId: "r-002", rationale: "r-001 scored 90",
  reasons: ["freeCapacity 90×1"], candidates: [{ runnerId: "r-001", total: 90, contributions: [{ plugin: "freeCapacity", score: 90, weight: 1 }] }],
  margin: 0.2, fallbackReason: null, llm: null, approval: null, latencyMs: 1.5, queuedAt: 1, decidedAt: 2,
};

describe("contracts", () => {
  it("round-trips a decision through JSON unchanged", () => {
    expect(decode(contracts.decision, JSON.stringify(decision))).toEqual(decision);
  });

  it("rejects a payload of another version with a reason naming the field", () => {
    const err = (() => { try { validate(contracts.decision, { ...decision, v: 2 }); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ContractViolation);
    expect((err as ContractViolation).reason).toMatch(/v/);
    expect((err as ContractViolation).retryable).toBe(false);
  });

  it("rejects text that is not JSON", () => {
    expect(() => decode(contracts.decision, "{nope")).toThrow(/decision: not JSON/);
  });

  it("rejects an unknown decision mode and names it", () => {
    expect(() => validate(contracts.decision, { ...decision, mode: "magic" })).toThrow(/mode/);
  });

  it("has no field that can carry a token in the job-queued payload", () => {
    const shape = Object.keys((contracts.jobQueued.schema as unknown as { shape: Record<string, unknown> }).shape);
    expect(shape.filter((k) => /token|secret|password|key/i.test(k))).toEqual([]);
  });

  it("builds subjects under the prefix and refuses tokens that would break a subject", () => {
    const s = subjects("t_abc");
    expect(s.decision("linux")).toBe("t_abc.decision.linux");
    expect(s.runnerState("r-001")).toBe("t_abc.runner.state.r-001");
    expect(() => s.decision("a.b")).toThrow();
    expect(() => subjects("bad prefix")).toThrow();
  });
});
