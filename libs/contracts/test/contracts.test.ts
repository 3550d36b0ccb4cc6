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

describe("job outcome versions (issue 10 item 9)", () => {
  const v1 = {
    v: 1, jobId: 7, pool: "linux", runnerId: "r-001", phase: "finished", status: "success", failureReason: null,
    jobClass: "build", decisionId: null, projectId: 3, queueSeconds: 4, holdSeconds: 1, runSeconds: 9, at: 10,
  };

  it("reads a v1 outcome from an assigner not yet upgraded as the v2 it means: ended on its runner", () => {
    expect(decode(contracts.jobOutcome, JSON.stringify(v1))).toEqual({ ...v1, v: 2, end: "runner" });
    expect(validate(contracts.jobOutcome, { ...v1, phase: "started", status: "running", runSeconds: null })).toMatchObject({ v: 2, end: null });
  });

  it("accepts a v2 end without a runner, and refuses a v1 without one", () => {
    const givenUp = { ...v1, v: 2, runnerId: null, status: "failed", failureReason: "runner_system_failure", runSeconds: null, end: "max-hold" };
    expect(validate(contracts.jobOutcome, givenUp)).toEqual(givenUp);
    expect(() => validate(contracts.jobOutcome, { ...v1, runnerId: null })).toThrow(ContractViolation);
  });

  it("refuses a v2 whose end does not match its phase, or an end it does not know", () => {
    expect(() => validate(contracts.jobOutcome, { ...v1, v: 2, end: null })).toThrow(/end/);
    expect(() => validate(contracts.jobOutcome, { ...v1, v: 2, phase: "started", status: "running", end: "runner" })).toThrow(/end/);
    expect(() => validate(contracts.jobOutcome, { ...v1, v: 2, end: "vanished" })).toThrow(ContractViolation);
  });
});
