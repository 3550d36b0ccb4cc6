import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createManualClock, type ManualClock, type SimulatedGitLab } from "../src/index.js";
import { ADMIN, RUNNERS, call, requestJob, startSim } from "./support.js";

let sim: SimulatedGitLab;
let clock: ManualClock;
beforeEach(async () => {
  clock = createManualClock();
  const extra = Array.from({ length: 21 }, (_, i) => ({ id: 100 + i, token: `glrt-extra-${i}-xxxxxxxx`, description: `extra-${i}`, tags: i % 2 ? ["gpu"] : ["linux"], runnerType: "project_type" as const }));
  sim = await startSim({ clock, runners: [...Object.values(RUNNERS), ...extra] });
});
afterEach(async () => { await sim.close(); });

const get = (path: string, token: string | null = ADMIN) => call(`${sim.url}${path}`, "GET", undefined, token ? { "PRIVATE-TOKEN": token } : {});

describe("REST: runners", () => {
  it("answers 401 without a valid PRIVATE-TOKEN", async () => {
    expect((await get("/api/v4/runners/all", null)).status).toBe(401);
    expect((await get("/api/v4/runners/all", "glpat-wrong")).status).toBe(401);
    expect((await get("/api/v4/runners/1", null)).status).toBe(401);
  });

  it("accepts the token as an OAuth Bearer too", async () => {
    expect((await call(`${sim.url}/api/v4/runners/all`, "GET", undefined, { Authorization: `Bearer ${ADMIN}` })).status).toBe(200);
  });

  it("paginates with X-Page, X-Per-Page, X-Total, X-Total-Pages, X-Next-Page and Link", async () => {
    const page1 = await get("/api/v4/runners/all?per_page=10");
    expect(page1.json).toHaveLength(10);
    expect(Object.fromEntries(["x-page", "x-per-page", "x-total", "x-total-pages", "x-next-page"].map((h) => [h, page1.headers.get(h)])))
      .toEqual({ "x-page": "1", "x-per-page": "10", "x-total": "25", "x-total-pages": "3", "x-next-page": "2" });
    expect(page1.headers.get("link")).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    const page3 = await get("/api/v4/runners/all?per_page=10&page=3");
    expect(page3.json).toHaveLength(5);
    expect(page3.headers.get("x-next-page")).toBe("");
    expect(page3.headers.get("link")).not.toContain('rel="next"');
    const ids = [...page1.json, ...(await get("/api/v4/runners/all?per_page=10&page=2")).json, ...page3.json].map((r: any) => r.id);
    expect(new Set(ids).size).toBe(25);
  });

  it("lists runners with GitLab's fields and filters by type, tag_list, paused and status", async () => {
    await requestJob(sim, RUNNERS.linux.token);
    const all = (await get("/api/v4/runners/all?per_page=100")).json;
    expect(Object.keys(all[0]).sort()).toEqual(["active", "description", "id", "ip_address", "is_shared", "name", "online", "paused", "runner_type", "status"].sort());
    expect((await get("/api/v4/runners/all?type=instance_type")).json.map((r: any) => r.id)).toEqual([3]);
    expect((await get("/api/v4/runners/all?tag_list=gpu,linux")).json.map((r: any) => r.id)).toEqual([4]);
    sim.setPaused(2, true);
    expect((await get("/api/v4/runners/all?paused=true")).json.map((r: any) => r.id)).toEqual([2]);
    expect((await get("/api/v4/runners/all?status=online")).json.map((r: any) => r.id)).toEqual([1]);
    clock.advance(3 * 3600_000);
    expect((await get("/api/v4/runners/1")).json.status).toBe("offline");
    expect((await get("/api/v4/runners/100")).json).toMatchObject({ status: "never_contacted" });
  });

  it("shows one runner's details and pauses it with PUT", async () => {
    await requestJob(sim, RUNNERS.gpu.token, { info: { version: "17.11.0", platform: "linux", architecture: "amd64" } });
    const show = await get("/api/v4/runners/4");
    expect(show.json).toMatchObject({ id: 4, tag_list: ["gpu", "linux"], run_untagged: false, access_level: "not_protected", version: "17.11.0", paused: false, online: true });
    expect(show.json.contacted_at).toMatch(/^\d{4}-/);
    const paused = await call(`${sim.url}/api/v4/runners/4`, "PUT", { paused: true }, { "PRIVATE-TOKEN": ADMIN });
    expect(paused.json).toMatchObject({ id: 4, paused: true, active: false });
    sim.enqueueJob({ name: "cuda", tags: ["gpu"] });
    expect((await requestJob(sim, RUNNERS.gpu.token)).status).toBe(204);
    expect((await get("/api/v4/runners/999")).status).toBe(404);
  });

  it("lists a runner's running jobs as Job entities and shows one project job", async () => {
    const id = sim.enqueueJob({ name: "unit", projectId: 5, tags: ["linux"] });
    await requestJob(sim, RUNNERS.linux.token);
    const jobs = (await get("/api/v4/runners/1/jobs?status=running")).json;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ id, name: "unit", status: "running", tag_list: ["linux"], pipeline: { project_id: 5 }, runner: { id: 1 } });
    expect((await get("/api/v4/runners/1/jobs?status=success")).json).toEqual([]);
    expect((await get(`/api/v4/projects/5/jobs/${id}`)).json).toMatchObject({ id, status: "running" });
    expect((await get(`/api/v4/projects/6/jobs/${id}`)).status).toBe(404);
  });

  it("answers 429 with Retry-After past the rate-limit knob", async () => {
    // The window is the wall-clock second: a burst can straddle a boundary (two windows) or, on a busy
    // machine, a few. With one request allowed per window, eight at once leave at least two over the limit
    // unless they spread over seven seconds.
    sim.knobs.rateLimitPerSecond = 1;
    const statuses = await Promise.all(Array.from({ length: 8 }, () => get("/api/v4/runners/all")));
    const limited = statuses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(limited[0]!.headers.get("retry-after")).toBe("1");
  });
});

describe("sim admin endpoints", () => {
  it("queues jobs over HTTP and reports them and the stats, behind the admin token", async () => {
    const res = await call(`${sim.url}/sim/jobs`, "POST", [{ name: "a", tags: ["linux"] }, { name: "b" }], { "PRIVATE-TOKEN": ADMIN });
    expect(res.status).toBe(201);
    expect(res.json.ids).toHaveLength(2);
    expect((await get(`/sim/jobs/${res.json.ids[0]}`)).json).toMatchObject({ name: "a", status: "pending", tags: ["linux"] });
    expect((await get("/sim/stats")).json.jobs).toMatchObject({ pending: 2 });
    expect((await call(`${sim.url}/sim/jobs`, "POST", { name: "x" })).status).toBe(401);
    expect((await call(`${sim.url}/sim/jobs`, "POST", { name: "" }, { "PRIVATE-TOKEN": ADMIN })).status).toBe(400);
  });
});
