import { describe, expect, it } from "vitest";
import {
  honoursRetryAfter, isGoneForHolder, isQueueContention, isStoppedJobStatus, isUnsettled, jobRequestAnswer, speaksOfJob, traceSizeOf,
} from "../src/protocol/job-status.js";

describe("what GitLab's answers mean", () => {
  it("a 2xx or a 403 with Job-Status speaks of the job; a bare 403 is the sender refused", () => {
    expect(speaksOfJob({ status: 200, jobStatus: null })).toBe(true);
    expect(speaksOfJob({ status: 403, jobStatus: "canceled" })).toBe(true);
    expect(speaksOfJob({ status: 403, jobStatus: null })).toBe(false);
    expect(speaksOfJob({ status: 404, jobStatus: null })).toBe(false);
  });

  it("a held job is gone on 403, 404 or a stopped status, and kept on a plain 200", () => {
    expect(isGoneForHolder({ status: 403, jobStatus: null })).toBe(true);
    expect(isGoneForHolder({ status: 404, jobStatus: null })).toBe(true);
    expect(isGoneForHolder({ status: 200, jobStatus: "canceling" })).toBe(true);
    expect(isGoneForHolder({ status: 200, jobStatus: "running" })).toBe(false);
    expect(isStoppedJobStatus("running")).toBe(false);
  });

  it("202 and 5xx leave an update unsettled", () => {
    expect([202, 500, 503].map(isUnsettled)).toEqual([true, true, true]);
    expect([200, 403, 404].map(isUnsettled)).toEqual([false, false, false]);
  });

  it("reads jobs/request answers the way gitlab-runner does", () => {
    expect([201, 204, 403, 409, 429, 500].map(jobRequestAnswer)).toEqual(["job", "empty", "forbidden", "retry", "retry", "retry"]);
    expect(isQueueContention(409)).toBe(true);
    expect([429, 503, 409, 500].map(honoursRetryAfter)).toEqual([true, true, false, false]);
  });

  it("reads the trace size from an empty PATCH's answer", () => {
    expect(traceSizeOf(202, null)).toBe(0);
    expect(traceSizeOf(202, 12)).toBe(12);
    expect(traceSizeOf(416, 40)).toBe(40);
    expect(traceSizeOf(416, null)).toBeNull();
    expect(traceSizeOf(403, 40)).toBeNull();
  });
});
