import { describe, expect, it } from "vitest";
import { judgeOutcome, saysAboutRunner, type RunnerVerdict } from "../../src/outcome/runner-fault.js";

const ended = (status: "success" | "failed" | "canceled" | "running", failureReason: string | null = null, runnerId: string | null = "r1") =>
  judgeOutcome({ status, failureReason, runnerId });

describe("what an outcome means for its runner", () => {
  it.each([
    ["runner_system_failure"], ["stuck_or_timeout_failure"], ["scheduler_failure"], ["api_failure"], ["runner_unsupported"],
    ["data_integrity_failure"], ["job_execution_timeout"], ["unknown_failure"], ["image_pull_failure"], ["runner_image_pull_failure"],
  ])("%s is the runner's (or its system's) fault", (reason) => {
    expect(ended("failed", reason)).toBe("runner-fault");
  });

  it.each([
    ["script_failure"], ["missing_dependency_failure"], ["unmet_prerequisites"], ["archived_failure"], ["stale_schedule"],
    ["protected_environment_failure"], ["forward_deployment_failure"], ["user_blocked"], ["ci_quota_exceeded"],
    ["project_deleted"], ["pipeline_loop_detected"], ["trace_size_exceeded"], ["secrets_provider_not_found"],
    ["downstream_pipeline_creation_failed"], ["reached_max_descendant_pipelines_depth"],
  ])("%s is the job's fault", (reason) => {
    expect(ended("failed", reason)).toBe("job-fault");
  });

  it("reads a failure without a reason, or with one GitLab added since, as the runner's", () => {
    expect(ended("failed", null)).toBe("runner-fault");
    expect(ended("failed", "some_new_failure")).toBe("runner-fault");
  });

  it("credits a success to its runner and blames nobody for a cancel, a job still running or a job no runner had", () => {
    expect(ended("success")).toBe("runner-ok");
    expect(ended("canceled")).toBe("nobody");
    expect(ended("running")).toBe("nobody");
    expect(ended("failed", "runner_system_failure", null)).toBe("nobody");
    expect(ended("success", null, null)).toBe("nobody");
  });

  it("says something about the runner only for its success or its fault", () => {
    const verdicts: RunnerVerdict[] = ["runner-ok", "runner-fault", "job-fault", "nobody"];
    expect(verdicts.filter(saysAboutRunner)).toEqual(["runner-ok", "runner-fault"]);
  });
});
