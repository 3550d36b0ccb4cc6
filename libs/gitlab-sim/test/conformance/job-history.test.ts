// The REST reads `switchyard what-if` builds a job history from, as GitLab answers them:
// - lib/api/ci/jobs.rb `get ':id/jobs'`: user_project.builds.order(id: :desc), `scope` filter (one value or
//   scope[]; a value outside CommitStatus::AVAILABLE_STATUSES is a 400), presented with Entities::Ci::Job and
//   paginated `without_count: true`;
// - Gitlab::Pagination::OffsetPagination#paginate → OffsetHeaderBuilder#execute: X-Page, X-Per-Page,
//   X-Next-Page (empty on the last page), X-Prev-Page and Link (prev/next/first) always; X-Total,
//   X-Total-Pages and rel="last" only for counted lists, so the jobs list has none of them;
// - lib/api/entities/ci/job_basic.rb: created_at, started_at, finished_at, duration, queued_duration and
//   pipeline (Entities::Ci::PipelineBasic: id, project_id, sha, ref, status, source, created_at, updated_at);
//   lib/api/entities/ci/job.rb adds runner (Entities::Ci::Runner), archived and tag_list (sorted tag names);
//   no environment: a job's environment is read from deployments;
// - app/models/commit_status.rb CommitStatus#queued_duration: calculate_duration(queued_at, started_at), so it
//   counts from when the job became pending (after its earlier stages), not from created_at;
// - lib/api/groups.rb `get ":id/projects"`: include_subgroups (default false), counted pages;
// - lib/api/deployments.rb `get ':id/deployments'`: order_by id, sort asc by default, counted pages,
//   Entities::Deployment with environment (Entities::EnvironmentBasic: id, name, slug, external_url, no tier)
//   and deployable (Entities::Ci::Job); lib/api/entities/environment.rb adds `tier` in the environments list.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../../src/index.js";
import { ADMIN, RUNNERS, call, startSim } from "../support.js";

let sim: SimulatedGitLab;
beforeEach(async () => { sim = await startSim(); });
afterEach(async () => { await sim.close(); });

const rest = (path: string) => call(`${sim.url}/api/v4${path}`, "GET", undefined, { "PRIVATE-TOKEN": ADMIN });
const T0 = Date.parse("2026-03-02T09:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function seed(): number[] {
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push(sim.recordFinishedJob({
      name: `test-${i}`, stage: "test", projectId: 7, projectPath: "acme/web/shop", pipelineId: 900, tags: ["linux", "docker"],
      pipelineSource: "merge_request_event", ref: "refs/merge-requests/3/head",
      createdAt: at(0), queuedAt: at(10 * i), startedAt: at(10 * i + 4), finishedAt: at(10 * i + 64), runnerId: RUNNERS.linux.id,
    }));
  }
  ids.push(sim.recordFinishedJob({
    name: "deploy", stage: "deploy", projectId: 7, projectPath: "acme/web/shop", pipelineId: 901, ref: "main",
    environment: { name: "production", tier: "production" },
    createdAt: at(100), startedAt: at(130), finishedAt: at(150), status: "failed",
  }));
  sim.recordFinishedJob({ name: "lint", projectId: 8, projectPath: "acme/api", createdAt: at(0), startedAt: at(1), finishedAt: at(2) });
  return ids;
}

describe("conformance: job history over REST (projects, groups, jobs, environments, deployments)", () => {
  it("lists a project's jobs newest first in uncounted pages: X-Next-Page and Link, no X-Total", async () => {
    const ids = seed();
    const first = await rest("/projects/7/jobs?per_page=4");
    expect(first.status).toBe(200);
    expect(first.json.map((j: any) => j.id)).toEqual([...ids].reverse().slice(0, 4));
    expect(first.headers.get("x-next-page")).toBe("2");
    expect(first.headers.get("x-page")).toBe("1");
    expect(first.headers.get("x-per-page")).toBe("4");
    expect(first.headers.get("x-total")).toBeNull();
    expect(first.headers.get("x-total-pages")).toBeNull();
    expect(first.headers.get("link")).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    expect(first.headers.get("link")).not.toContain('rel="last"');
    const last = await rest("/projects/7/jobs?per_page=4&page=2");
    expect(last.json.map((j: any) => j.id)).toEqual([ids[1], ids[0]]);
    expect(last.headers.get("x-next-page")).toBe("");
    expect(last.headers.get("link")).not.toContain('rel="next"');
  });

  it("renders a finished job as Entities::Ci::Job: times, queued_duration from queued_at, sorted tag_list, runner, pipeline source", async () => {
    const ids = seed();
    const job = (await rest(`/projects/${encodeURIComponent("acme/web/shop")}/jobs?per_page=100`)).json.find((j: any) => j.id === ids[2]);
    expect(job).toMatchObject({
      name: "test-2", status: "success", stage: "test", created_at: at(0), started_at: at(24), finished_at: at(84),
      duration: 60, queued_duration: 4, tag_list: ["docker", "linux"], archived: false,
      pipeline: { id: 900, project_id: 7, source: "merge_request_event", ref: "refs/merge-requests/3/head" },
      runner: { id: RUNNERS.linux.id },
    });
    expect(job).not.toHaveProperty("environment");
  });

  it("filters by scope and refuses an unknown scope", async () => {
    seed();
    expect((await rest("/projects/7/jobs?scope[]=failed")).json.map((j: any) => j.name)).toEqual(["deploy"]);
    expect((await rest("/projects/7/jobs?scope=success")).json).toHaveLength(5);
    expect((await rest("/projects/7/jobs?scope[]=bogus")).status).toBe(400);
    expect((await rest("/projects/99/jobs")).status).toBe(404);
  });

  it("shows a project by id or path with its default branch, and lists a group's projects (subgroups on request)", async () => {
    seed();
    expect((await rest(`/projects/${encodeURIComponent("acme/web/shop")}`)).json).toMatchObject({ id: 7, path_with_namespace: "acme/web/shop", default_branch: "main" });
    expect((await rest("/groups/acme/projects")).json.map((p: any) => p.id)).toEqual([8]);
    const all = await rest("/groups/acme/projects?include_subgroups=true");
    expect(all.json.map((p: any) => p.id)).toEqual([8, 7]);
    expect(all.headers.get("x-total")).toBe("2");
    expect((await rest(`/groups/${encodeURIComponent("acme/web")}/projects`)).json.map((p: any) => p.id)).toEqual([7]);
    expect((await rest("/groups/nope/projects")).status).toBe(404);
  });

  it("names the environment of each deployment job, with the tier only in the environments list", async () => {
    const ids = seed();
    const deployments = await rest("/projects/7/deployments");
    expect(deployments.json).toHaveLength(1);
    expect(deployments.json[0]).toMatchObject({ deployable: { id: ids[5], name: "deploy" }, environment: { name: "production" }, status: "failed" });
    expect(deployments.json[0].environment).not.toHaveProperty("tier");
    expect((await rest("/projects/7/environments")).json).toEqual([expect.objectContaining({ name: "production", tier: "production" })]);
  });

  it("takes history over the admin API, in queued order, and refuses a runner it does not know", async () => {
    const post = (body: unknown) => call(`${sim.url}/sim/history`, "POST", body, { "PRIVATE-TOKEN": ADMIN });
    const ok = await post([
      { name: "b", createdAt: at(0), queuedAt: at(50), startedAt: at(60), finishedAt: at(70) },
      { name: "a", createdAt: at(0), startedAt: at(5), finishedAt: at(9) },
    ]);
    expect(ok.status).toBe(201);
    const listed = (await rest("/projects/1/jobs")).json;
    expect(listed.map((j: any) => j.name)).toEqual(["b", "a"]);
    expect(listed[0].queued_duration).toBe(10);
    expect((await post([{ name: "x", createdAt: at(0), startedAt: at(1), finishedAt: at(2), runnerId: 999 }])).status).toBe(400);
    expect((await post([{ name: "x" }])).status).toBe(400);
  });
});
