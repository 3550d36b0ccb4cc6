import { describe, expect, it } from "vitest";
import { isJobUpdate, jobPath, jobTracePath, matchJobRoute } from "../src/protocol/paths.js";

describe("matchJobRoute", () => {
  it("names the job and what is asked of it", () => {
    expect(matchJobRoute("/api/v4/jobs/42")).toEqual({ jobId: 42, path: "/api/v4/jobs/42", sub: "" });
    expect(matchJobRoute("/api/v4/jobs/42/trace?debug_trace=false")).toEqual({ jobId: 42, path: "/api/v4/jobs/42/trace?debug_trace=false", sub: "/trace" });
    expect(matchJobRoute("/api/v4/jobs/7/artifacts")).toMatchObject({ jobId: 7, sub: "/artifacts" });
  });

  it("leaves other routes to their handlers", () => {
    for (const url of ["/api/v4/jobs/request", "/api/v4/runners/verify", "/api/v4/jobs/abc", "/api/v4/jobs", "/api/v4/jobs/12x"]) {
      expect(matchJobRoute(url), url).toBeNull();
    }
  });

  it("refuses a job path that could climb out of /jobs/:id", () => {
    for (const url of [
      "/api/v4/jobs/1/../../runners/all",
      "/api/v4/jobs/1/%2e%2e/%2E%2e/runners/all",
      "/api/v4/jobs/1/..%2f..%2frunners/all",
      "/api/v4/jobs/1/..\\..\\runners/all",
      "/api/v4/jobs/1/%5c..%5c..%5crunners/all",
      "/api/v4/jobs/1/%00",
      "/api/v4/jobs/1/%zz",
    ]) {
      expect(matchJobRoute(url), url).toBe("refused");
    }
  });

  it("tells the job update from the job's other calls", () => {
    const update = matchJobRoute(jobPath(5));
    const trace = matchJobRoute(jobTracePath(5));
    if (!update || update === "refused" || !trace || trace === "refused") throw new Error("unmatched");
    expect(isJobUpdate("PUT", update)).toBe(true);
    expect(isJobUpdate("PATCH", update)).toBe(false);
    expect(isJobUpdate("PUT", trace)).toBe(false);
  });
});
