import { describe, expect, it } from "vitest";
import { CsvError, parseCsv, toCsv } from "../src/trace/csv.js";
import { TraceError, parseTrace, traceToCsv } from "../src/trace/parse-trace.js";

describe("CSV parsing", () => {
  it("reads quoted fields with commas, doubled quotes, line breaks and CRLF line ends", () => {
    const t = parseCsv('a,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n1,,3\r\n\r\n');
    expect(t.header).toEqual(["a", "b", "c"]);
    expect(t.rows).toEqual([["x, y", 'say "hi"', "two\nlines"], ["1", "", "3"]]);
  });

  it("round-trips through the writer", () => {
    const rows = [["x, y", 'q"', "plain"], ["", "1", "multi\nline"]];
    expect(parseCsv(toCsv(["a", "b", "c"], rows)).rows).toEqual(rows);
  });

  it("refuses rows with the wrong number of fields and unterminated quotes", () => {
    expect(() => parseCsv("a,b\n1,2,3\n")).toThrow(CsvError);
    expect(() => parseCsv('a,b\n"1,2\n')).toThrow(/unterminated/);
  });
});

describe("trace parsing", () => {
  it("reads the Bitcoin Core columns (os_inferred as pool) and maps ref_class other as told", () => {
    const csv = `job_id,pipeline_id,job_name,os_inferred,ref_class,status,pipeline_status,created_at,started_at,finished_at,queued_s,duration_s,created_iso
2,7,"macOS 14 native, arm64",macos,other,FAILED,ABORTED,1757006747,1757006752,1757006896,5,144,2025-09-04T17:25:47Z
1,7,lint,linux,release,COMPLETED,COMPLETED,1757006747,1757006752,1757006896,5,30,2025-09-04T17:25:47Z
`;
    const jobs = parseTrace(csv, { defaultProject: "bitcoin/bitcoin", otherRefIs: "merge_request" });
    expect(jobs.map((j) => [j.jobId, j.name, j.pool, j.refClass, j.durationS, j.project])).toEqual([
      [1, "lint", "linux", "protected", 30, "bitcoin/bitcoin"],
      [2, "macOS 14 native, arm64", "macos", "merge_request", 144, "bitcoin/bitcoin"],
    ]);
  });

  it("accepts ISO 8601 created times and round-trips the canonical columns", () => {
    const jobs = parseTrace("created_at,pipeline_id,job_name,pool,duration_s,environment,environment_tier,injected,after_pipeline\n" +
      "2025-01-01T00:00:10Z,3,deploy,linux,60,production,production,true,true\n");
    expect(jobs[0]).toMatchObject({ createdAt: 1735689610, jobId: 1, refClass: "other", injected: true, afterPipeline: true, environmentTier: "production" });
    expect(parseTrace(traceToCsv(jobs))).toEqual(jobs);
  });

  it("lists every bad row and missing column at once", () => {
    expect(() => parseTrace("created_at,job_name\n1,a\n")).toThrow(/pipeline_id[\s\S]*pool[\s\S]*duration_s/);
    try {
      parseTrace("created_at,pipeline_id,job_name,pool,duration_s,ref_class\nyesterday,1,a,linux,-1,weird\n");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TraceError);
      expect((err as TraceError).problems).toHaveLength(3);
    }
  });
});
