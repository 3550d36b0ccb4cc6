import { describe, expect, it } from "vitest";
import { classify, compileClassRules, defaultClassRules, deploymentOf, variablesOf } from "../../src/index.js";

const rules = compileClassRules(defaultClassRules);

describe("classify with the default rules", () => {
  const cases: [string, Record<string, string>, string, number, string][] = [
    ["a production deploy with no action", { CI_ENVIRONMENT_NAME: "prod", CI_ENVIRONMENT_TIER: "production" }, "production-deploy", 100, "supervised"],
    ["a production deploy with action start", { CI_ENVIRONMENT_NAME: "prod", CI_ENVIRONMENT_TIER: "production", CI_ENVIRONMENT_ACTION: "start" }, "production-deploy", 100, "supervised"],
    ["a production prepare job", { CI_ENVIRONMENT_NAME: "prod", CI_ENVIRONMENT_TIER: "production", CI_ENVIRONMENT_ACTION: "prepare" }, "production-deploy", 100, "supervised"],
    ["stopping production", { CI_ENVIRONMENT_NAME: "prod", CI_ENVIRONMENT_TIER: "production", CI_ENVIRONMENT_ACTION: "stop" }, "other-deploy", 60, "autonomous"],
    ["a staging deploy", { CI_ENVIRONMENT_NAME: "staging", CI_ENVIRONMENT_TIER: "staging" }, "other-deploy", 60, "autonomous"],
    ["a review app", { CI_ENVIRONMENT_NAME: "review/feature-x", CI_PIPELINE_SOURCE: "merge_request_event" }, "other-deploy", 60, "autonomous"],
    ["a job on a protected ref", { CI_COMMIT_REF_PROTECTED: "true", CI_COMMIT_BRANCH: "release-1", CI_DEFAULT_BRANCH: "main" }, "protected", 40, "autonomous"],
    ["a job on the default branch", { CI_COMMIT_REF_PROTECTED: "false", CI_COMMIT_BRANCH: "main", CI_DEFAULT_BRANCH: "main" }, "protected", 40, "autonomous"],
    ["a merge-request pipeline", { CI_PIPELINE_SOURCE: "merge_request_event", CI_DEFAULT_BRANCH: "main" }, "merge-request", 30, "autonomous"],
    ["a scheduled pipeline on a feature branch", { CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "nightly", CI_DEFAULT_BRANCH: "main" }, "scheduled", 10, "autonomous"],
    ["a push to a feature branch", { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "feature", CI_DEFAULT_BRANCH: "main" }, "default", 20, "autonomous"],
    ["a job with no variables", {}, "default", 20, "autonomous"],
    ["a tag pipeline (no branch) never matches the default branch", { CI_COMMIT_TAG: "v1", CI_DEFAULT_BRANCH: "main" }, "default", 20, "autonomous"],
    ["an empty environment name is not a deploy", { CI_ENVIRONMENT_NAME: "" }, "default", 20, "autonomous"],
  ];
  it.each(cases)("classifies %s", (_what, vars, jobClass, weight, tier) => {
    expect(classify(rules, vars)).toMatchObject({ jobClass, weight, tier });
  });
});

describe("matchers", () => {
  it("supports regex, in, notIn, equalsVar and set", () => {
    const r = compileClassRules([
      { name: "rx", when: { CI_COMMIT_REF_NAME: { regex: "^release/" } }, weight: 5, tier: "advisory" },
      { name: "in", when: { CI_JOB_STAGE: { in: ["deploy", "publish"] } }, weight: 4, tier: "advisory" },
      { name: "eq", when: { A: { equalsVar: "B" }, C: { set: false } }, weight: 3, tier: "advisory" },
      { name: "rest", when: {}, weight: 1, tier: "advisory" },
    ]);
    expect(classify(r, { CI_COMMIT_REF_NAME: "release/1.2" }).jobClass).toBe("rx");
    expect(classify(r, { CI_COMMIT_REF_NAME: "pre-release/1.2" }).jobClass).toBe("rest");
    expect(classify(r, { CI_JOB_STAGE: "publish" }).jobClass).toBe("in");
    expect(classify(r, { A: "x", B: "x" }).jobClass).toBe("eq");
    expect(classify(r, { A: "x", B: "x", C: "1" }).jobClass).toBe("rest");
    expect(classify(r, { B: "" }).jobClass).toBe("rest");
  });
});

describe("compileClassRules", () => {
  it("names every bad rule by index and name, with all problems at once", () => {
    const bad = [
      { name: "ok", when: {}, weight: 1, tier: "autonomous" },
      { name: "heavy", when: {}, weight: -1, tier: "boss" },
      { name: "regexy", when: { X: { regex: "(" } }, weight: 1, tier: "advisory" },
      { name: "ok", when: { Y: "1" }, weight: 1, tier: "advisory" },
    ];
    let error: Error | undefined;
    try { compileClassRules(bad); } catch (e) { error = e as Error; }
    expect(error?.message).toMatch(/rule 1 "heavy": weight/);
    expect(error?.message).toMatch(/rule 1 "heavy": tier/);
    expect(() => compileClassRules(bad.filter((r) => r.name !== "heavy"))).toThrow(/rule 1 "regexy": when\.X: invalid regex/);
    const notLast = [bad[0], bad[2], bad[3]];
    const msg = (() => { try { compileClassRules(notLast); return ""; } catch (e) { return (e as Error).message; } })();
    expect(msg).toMatch(/rule 1 "regexy": when\.X: invalid regex/);
    expect(msg).toMatch(/rule 2 "ok": name already used by rule 0/);
    expect(msg).toMatch(/rule 2 "ok": the last rule must have an empty "when"/);
  });

  it("refuses a class name that cannot be a subject token", () => {
    expect(() => compileClassRules([{ name: "prod deploy", when: {}, weight: 1, tier: "advisory" }])).toThrow(/rule 0 "prod deploy": name must be/);
    expect(() => compileClassRules([{ name: "prod deploy", jobClass: "prod", when: {}, weight: 1, tier: "advisory" }])).not.toThrow();
  });

  it("refuses something that is not a non-empty list", () => {
    expect(() => compileClassRules({})).toThrow(/must be a list/);
    expect(() => compileClassRules([])).toThrow(/at least one rule/);
  });

  it("reports the highest weight as maxWeight", () => {
    expect(rules.maxWeight).toBe(100);
  });
});

describe("variablesOf", () => {
  it("maps the payload's variables, later entries winning, masked ones left out", () => {
    expect(variablesOf({
      variables: [
        { key: "CI_PIPELINE_SOURCE", value: "push" },
        { key: "CI_JOB_TOKEN", value: "glcbt-secret", masked: true },
        { key: "CI_PIPELINE_SOURCE", value: "schedule", public: true },
      ],
    })).toEqual({ CI_PIPELINE_SOURCE: "schedule" });
    expect(variablesOf({})).toEqual({});
  });
});

describe("deploymentOf", () => {
  it("reads the environment and whether the job deploys to it", () => {
    expect(deploymentOf({ CI_ENVIRONMENT_NAME: "prod", CI_ENVIRONMENT_TIER: "production" })).toEqual({ environment: "prod", tier: "production", action: null, isDeploy: true });
    expect(deploymentOf({ CI_ENVIRONMENT_NAME: "prod", CI_ENVIRONMENT_ACTION: "stop" })?.isDeploy).toBe(false);
    expect(deploymentOf({})).toBeNull();
  });
});
