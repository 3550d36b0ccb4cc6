import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { createSimulatedGitLab, fleetFileSchema, fleetRegistrations, generateFleet, readFleetFile, type SimulatedGitLab } from "../src/index.js";
import { call, silent } from "./support.js";

describe("fleet description", () => {
  let sim: SimulatedGitLab | undefined;
  afterEach(async () => { await sim?.close(); sim = undefined; });

  it("generates the same valid fleet for the same seed", () => {
    const a = generateFleet({ seed: 4, runnersPerPool: 2, limit: 3 });
    expect(generateFleet({ seed: 4, runnersPerPool: 2, limit: 3 })).toEqual(a);
    expect(generateFleet({ seed: 5, runnersPerPool: 2, limit: 3 })).not.toEqual(a);
    expect(a.pools.map((p) => p.name)).toEqual(["linux", "gpu", "windows"]);
    expect(a.runners.map((r) => r.id)).toEqual(["r-001", "r-002", "r-003", "r-004", "r-005", "r-006"]);
    expect(a.runners.every((r) => r.token.startsWith("syr_") && r.limit === 3)).toBe(true);
    expect(a.directRunners.every((d) => d.paused)).toBe(true);
  });

  it("rejects a runner in an unknown pool and duplicate GitLab ids, reporting both", () => {
    const fleet = generateFleet({ seed: 1, runnersPerPool: 1 });
    const bad = { ...fleet, runners: [{ ...fleet.runners[0]!, pool: "nope", gitlabRunnerId: fleet.pools[0]!.upstreamRunnerId }] };
    const result = fleetFileSchema.safeParse(bad);
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => i.message).join("\n");
    expect(messages).toContain("unknown pool nope");
    expect(messages).toContain("unique");
  });

  it("reads a YAML fleet file", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-"));
    const fleet = generateFleet({ seed: 2 });
    writeFileSync(join(dir, "fleet.yaml"), stringify(fleet));
    expect(readFleetFile(join(dir, "fleet.yaml"))).toEqual(fleet);
  });

  it("keeps a runner's request_concurrency, so the simulated runner holds that many polls", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-"));
    const fleet = generateFleet({ seed: 2 });
    fleet.runners[0] = { ...fleet.runners[0]!, requestConcurrency: 3 };
    writeFileSync(join(dir, "fleet.yaml"), stringify(fleet));
    expect(readFleetFile(join(dir, "fleet.yaml")).runners[0]?.requestConcurrency).toBe(3);
  });

  it("registers pools as instance runners and downstream runners as project runners the REST API lists", async () => {
    const fleet = generateFleet({ seed: 3, runnersPerPool: 2 });
    sim = await createSimulatedGitLab({ adminToken: fleet.gitlab.adminToken, runners: fleetRegistrations(fleet), log: silent, longPollMs: 100 });
    const headers = { "PRIVATE-TOKEN": fleet.gitlab.adminToken };
    const shared = (await call(`${sim.url}/api/v4/runners/all?type=instance_type&paused=false`, "GET", undefined, headers)).json;
    expect(shared.map((r: any) => r.id)).toEqual(fleet.pools.map((p) => p.upstreamRunnerId));
    const project = (await call(`${sim.url}/api/v4/runners/all?type=project_type&per_page=100`, "GET", undefined, headers)).json;
    expect(project.map((r: any) => r.description)).toEqual(fleet.runners.map((r) => r.id));
    // The pool's registration (the broker) is contacted when it polls; a downstream runner, which talks only to
    // the broker, stays never_contacted, as GitLab shows it (Ci::Runner#status: no contacted_at).
    const pool = fleet.pools[0]!;
    await call(`${sim.url}/api/v4/jobs/request`, "POST", { token: pool.upstreamToken, info: {} });
    const first = fleet.runners.find((r) => r.pool === pool.name)!;
    expect((await call(`${sim.url}/api/v4/runners/${pool.upstreamRunnerId}`, "GET", undefined, headers)).json).toMatchObject({ status: "online" });
    expect((await call(`${sim.url}/api/v4/runners/${first.gitlabRunnerId}`, "GET", undefined, headers)).json).toMatchObject({ status: "never_contacted", tag_list: pool.tags });
  });
});
