import { describe, expect, it } from "vitest";
import { formatWait, type TraceJob } from "@switchyard/bench";
import { buildReplayFleet, groupsFromCounts, groupsFromRunners, ranOnPools } from "../src/what-if/replay-fleet.js";
import { replayHistory } from "../src/what-if/replay.js";
import { renderWhatIfReport, whatIfFigures, type WhatIfReportInput } from "../src/what-if/report-html.js";

const job = (jobId: number, createdAt: number, over: Partial<TraceJob> = {}): TraceJob => ({
  jobId, createdAt, project: "grp/app", pipelineId: 100 + jobId, refClass: "merge_request", pipelineSource: "merge_request_event",
  stage: "test", name: `test-${jobId % 3}`, pool: "linux", environment: null, environmentTier: null, durationS: 300,
  status: "success", injected: false, afterPipeline: false, ...over,
});

/** Ten merge-request jobs and a production deploy at once on two linux runners: the deploy queues under FIFO. */
function input(over: Partial<WhatIfReportInput> = {}): WhatIfReportInput {
  const jobs = [...Array.from({ length: 10 }, (_, i) => job(i + 1, 1000)),
    job(11, 1000, { name: "deploy", refClass: "default", pipelineSource: "push", environment: "production", environmentTier: "production" })];
  const groups = groupsFromCounts({ linux: 2 });
  const fleet = buildReplayFleet(groups, jobs, new Map(), { slotsPerRunner: 1, speed: 1 });
  return {
    generatedAt: new Date("2026-03-04T05:06:07Z"), gitlabOrigin: "https://gitlab.example.com", projects: ["grp/<app>"], since: null,
    fetched: 12, skipped: { "status manual: never ran": 1 },
    fleet: { source: "flags", groups, slotsPerRunner: 1, speed: 1, unmatched: {} }, sliSeconds: 300,
    load: replayHistory(fleet.jobs, fleet.fleet, 300), recordedWaits: new Map(jobs.map((j) => [j.jobId, 60])), ...over,
  };
}

describe("what-if report", () => {
  it("puts every policy's figures, GitLab's recorded waits and the classes found in the page and its embedded JSON", () => {
    const i = input();
    const html = renderWhatIfReport(i);
    const figures = whatIfFigures(i);
    expect(JSON.parse(/<script type="application\/json" id="what-if-data">(.*?)<\/script>/s.exec(html)![1]!)).toEqual(figures);
    expect(figures.policies.map((p) => p.policy)).toEqual(["fifo", "fair", "priority", "switchyard"]);
    expect(figures.classes.map((c) => [c.jobClass, c.jobs])).toEqual([["production-deploy", 1], ["merge-request", 10]]);
    expect(figures.recorded?.overall).toMatchObject({ jobs: 11, mean: 60 });
    const fifo = figures.policies.find((p) => p.policy === "fifo")!;
    const sy = figures.policies.find((p) => p.policy === "switchyard")!;
    // Under FIFO the deploy waits for the first merge-request jobs; Switchyard starts it first.
    expect(fifo.byClass["production-deploy"]!.p95).toBeGreaterThan(0);
    expect(sy.byClass["production-deploy"]!.p95).toBe(0);
    expect(html).toMatch(/<tr><td>production-deploy<\/td><td>1<\/td><td>60s<\/td>.*<td class="win">0s/);
    expect(html).toContain("<tr><td>recorded by GitLab</td><td>11</td>");
    expect(html).toContain("1 status manual: never ran");
    // The gain is said with its price: the class Switchyard serves worse than FIFO.
    const mr = (p: typeof fifo) => formatWait(p.byClass["merge-request"]!.p95);
    expect(sy.byClass["merge-request"]!.p95).toBeGreaterThan(fifo.byClass["merge-request"]!.p95);
    expect(html).toContain(`The price: <b>merge-request</b> jobs' p95 would have been ${mr(sy)} against ${mr(fifo)}.`);
  });

  it("escapes names from GitLab, keeps only the URL's origin and fetches nothing", () => {
    const html = renderWhatIfReport(input());
    expect(html).toContain("grp/&lt;app&gt;");
    expect(html).not.toContain("grp/<app>");
    expect(html).not.toMatch(/<link\b|\bsrc=|<script(?![^>]*type="application\/json")|https?:\/\/(?!gitlab\.example\.com|www\.w3\.org)/);
  });

  it("says which jobs matched no runner, and leaves the recorded row out when GitLab recorded no waits", () => {
    const html = renderWhatIfReport(input({ recordedWaits: new Map(), fleet: { source: "gitlab", groups: groupsFromCounts({ linux: 2 }), slotsPerRunner: 1, speed: 1, unmatched: { gpu: 3 } } }));
    expect(html).toContain("3 job(s) matched no runner and never run in any policy (gpu: 3)");
    expect(html).not.toContain("recorded by GitLab</td>");
    expect(html).toContain("Runners as GitLab reports them");
  });
});

describe("replay fleet", () => {
  const runner = (id: number, tagList: string[], runUntagged = false) => ({
    id, description: "", name: null, paused: false, status: "online" as const, online: true, runnerType: "instance_type" as const, isShared: true,
    tagList, runUntagged, protected: false, locked: false, version: null, revision: null, platform: null, architecture: null, contactedAt: null, maximumTimeout: null,
  });
  const runners = [runner(1, ["linux"]), runner(2, ["linux"]), runner(3, ["linux", "docker"]), runner(4, [], true)];
  const groups = groupsFromRunners(runners);

  it("groups GitLab's runners by tag set and untagged setting", () => {
    expect(groups.map((g) => [g.pool, g.runners, g.runUntagged])).toEqual([["linux", 2, false], ["docker+linux", 1, false], ["untagged", 1, true]]);
  });

  it.each([
    ["the group of the runner that ran it", job(1, 0, { pool: "linux" }), new Map([[1, 3]]), "docker+linux"],
    ["the largest group covering its tags", job(1, 0, { pool: "linux" }), new Map(), "linux"],
    ["the only group covering all its tags", job(1, 0, { pool: "docker+linux" }), new Map(), "docker+linux"],
    ["a group that runs untagged jobs, for an untagged job", job(1, 0, { pool: "untagged" }), new Map(), "untagged"],
  ])("puts a job in %s", (_what, j, ran: Map<number, number>, pool) => {
    const recorded = new Map([...ran].map(([jobId, runnerId]) => [jobId, { runnerId }]));
    const fleet = buildReplayFleet(groups, [j], ranOnPools(recorded, runners, groups), { slotsPerRunner: 2, speed: 1 });
    expect(fleet.jobs[0]!.pool).toBe(pool);
    expect(fleet.fleet.runnersPerPool).toEqual({ linux: 2, "docker+linux": 1, untagged: 1 });
    expect(fleet.fleet.shapes).toEqual([expect.objectContaining({ limit: 2, speed: 1 })]);
  });

  it("counts jobs no group covers; they keep their pool, which has no runner", () => {
    const fleet = buildReplayFleet(groups, [job(1, 0, { pool: "gpu" }), job(2, 0, { pool: "gpu" })], new Map(), { slotsPerRunner: 1, speed: 1 });
    expect(fleet.unmatched).toEqual({ gpu: 2 });
    expect(fleet.jobs.map((j) => j.pool)).toEqual(["gpu", "gpu"]);
  });
});
