import { describe, expect, it } from "vitest";
import { scorePlugins } from "../../src/index.js";
import { job, runner } from "../fixtures.js";

describe("pipelineAffinity", () => {
  const j = job({ pipelineId: 100, projectId: 7 });
  it("prefers the same pipeline over the same project over neither", () => {
    expect(scorePlugins.pipelineAffinity.score(j, runner({ recentPipelines: [99, 100], recentProjects: [7] }))).toBe(100);
    expect(scorePlugins.pipelineAffinity.score(j, runner({ recentPipelines: [99], recentProjects: [7] }))).toBe(60);
    expect(scorePlugins.pipelineAffinity.score(j, runner({ recentPipelines: [99], recentProjects: [8] }))).toBe(0);
  });

  it("has no opinion about a runner without history", () => {
    expect(scorePlugins.pipelineAffinity.score(j, runner({}))).toBeUndefined();
    expect(scorePlugins.pipelineAffinity.score(j, runner({ recentPipelines: [], recentProjects: [] }))).toBeUndefined();
  });
});
