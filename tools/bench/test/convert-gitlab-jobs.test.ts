import { describe, expect, it } from "vitest";
import { convertGitlabJobs } from "../src/convert/gitlab-jobs.js";
import { parseTrace, traceToCsv } from "../src/trace/parse-trace.js";

const base = {
  stage: "test", status: "success", created_at: "2025-01-01T00:00:00Z", started_at: "2025-01-01T00:05:00Z",
  finished_at: "2025-01-01T00:06:00Z", duration: 60.5, queued_duration: 30, tag_list: ["linux", "docker"],
  pipeline: { id: 9, project_id: 42, ref: "main", source: "push" },
};

describe("the GitLab jobs export converter", () => {
  it("turns a job list into trace jobs, pending at started_at minus queued_duration", () => {
    const { jobs, skipped } = convertGitlabJobs([{ ...base, id: 1, name: "build", ref: "main" }]);
    expect(skipped).toEqual([]);
    expect(jobs).toEqual([{
      jobId: 1, createdAt: Date.parse("2025-01-01T00:04:30Z") / 1000, project: "42", pipelineId: 9, refClass: "default",
      pipelineSource: "push", stage: "test", name: "build", pool: "docker+linux", environment: null, environmentTier: null,
      durationS: 60.5, status: "success", injected: false, afterPipeline: false,
    }]);
  });

  it("classes refs: merge requests, protected refs by name or regex, others", () => {
    const { jobs } = convertGitlabJobs([
      { ...base, id: 1, name: "a", ref: "refs/merge-requests/5/head", pipeline: { ...base.pipeline, source: "merge_request_event" } },
      { ...base, id: 2, name: "b", ref: "release-1.2" },
      { ...base, id: 3, name: "c", ref: "feature/x", tag_list: [] },
      { ...base, id: 4, name: "d", ref: "trunk" },
    ], { defaultBranch: "trunk", protectedRefs: ["/^release-/"] });
    expect(jobs.map((j) => [j.jobId, j.refClass, j.pool])).toEqual([
      [1, "merge_request", "docker+linux"], [2, "protected", "docker+linux"], [3, "other", "untagged"], [4, "default", "docker+linux"],
    ]);
  });

  it("skips jobs that never ran and entries that are not jobs, saying why, and reads concatenated pages", () => {
    const { jobs, skipped } = convertGitlabJobs([
      [{ ...base, id: 1, name: "ok" }, { ...base, id: 2, name: "m", status: "manual" }],
      [{ ...base, id: 3, name: "no-times", started_at: null, finished_at: null, duration: null }, { hello: 1 }],
    ]);
    expect(jobs.map((j) => j.jobId)).toEqual([1]);
    expect(skipped).toEqual([
      { id: 2, reason: "status manual: never ran" }, { id: 3, reason: "no duration" }, { id: null, reason: "not a job entry" },
    ]);
  });

  it("writes CSV that the trace parser reads back unchanged", () => {
    const { jobs } = convertGitlabJobs([{ ...base, id: 7, name: 'deploy "prod", eu', environment: { name: "production", tier: "production" } }]);
    expect(parseTrace(traceToCsv(jobs))).toEqual(jobs);
  });
});
