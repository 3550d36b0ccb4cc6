import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateFleet } from "@switchyard/gitlab-sim";
import { startNodeProcess, type RunningProcess, type TestEnv } from "@switchyard/testing";
import { writeDemoConfig } from "../src/demo-config.js";
import { freePort } from "@switchyard/runtime";

/** The whole system as separate processes: the simulated GitLab, the four agents, the simulated runners. */
export interface SimulatedSystem {
  readonly fleet: ReturnType<typeof generateFleet>;
  readonly gitlabUrl: string;
  /** The sim runners' server: `/received-count` says how many times each job reached a runner. */
  readonly runnersUrl: string;
  /** sim-gitlab, scorer, optimizer, monitor, assigner, sim-runners, in start order. */
  readonly processes: RunningProcess[];
  /** Offers jobs through the simulated GitLab (a share of them production deploys); resolves with their ids. */
  submitJobs(count: number): Promise<number[]>;
  /** One job as the simulated GitLab holds it (status, failureReason, runner, ...). */
  job(id: number): Promise<unknown>;
  /** The simulated GitLab's job counts by status. */
  simStats(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export interface SimulatedSystemOptions {
  /** Simulated seconds per real second: GitLab 18.x's stale-job rule leaves 15 simulated minutes of slack. */
  speed: number;
  /** Extra environment for the four agents (another Redis, CA certificates, ...). */
  agentEnv?: Record<string, string>;
  /**
   * Turns the assigner's reconcile with GitLab on (the simulated GitLab's admin token as its REST token):
   * jobs GitLab runs on a pool registration that Redis no longer knows are cancelled and retried.
   */
  reconcile?: { intervalMs: number; graceMs: number };
}

/** Starts everything against the test env's NATS prefix (and, unless told otherwise, its Redis). */
export async function startSimulatedSystem(env: TestEnv, options: SimulatedSystemOptions): Promise<SimulatedSystem> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-system-"));
  const fleet = generateFleet({ runnersPerPool: 4, seed: 7 });
  const ports = { gitlab: await freePort(), broker: await freePort(), runnersMetrics: await freePort() };
  const layout = writeDemoConfig(dir, fleet, ports, { speed: options.speed });
  const gitlabUrl = `http://127.0.0.1:${ports.gitlab}`;
  const processes: RunningProcess[] = [];
  const admin = { "private-token": fleet.gitlab.adminToken };

  const sim = startNodeProcess("sim-gitlab", "libs/gitlab-sim/dist/gitlab-main.js", {
    SIM_PORT: String(ports.gitlab), SIM_FLEET_FILE: layout.fleetFile, SIM_RATE: "0", SIM_SPEED: String(options.speed), SIM_SEED: "7",
  });
  processes.push(sim);
  await sim.waitForOutput(/sim-gitlab listening on/);
  for (const [name, config] of [["scorer", layout.scorerConfig], ["optimizer", layout.optimizerConfig], ["monitor", layout.monitorConfig], ["assigner", layout.assignerConfig]] as const) {
    const reconcile: Record<string, string> = name === "assigner" && options.reconcile ? {
      SWITCHYARD_GITLAB_API_TOKEN: fleet.gitlab.adminToken,
      SWITCHYARD_RECONCILE_INTERVAL_MS: String(options.reconcile.intervalMs), SWITCHYARD_RECONCILE_GRACE_MS: String(options.reconcile.graceMs),
    } : {};
    const agent = startNodeProcess(name, `services/${name}/dist/main.js`, env.agentEnv({ SWITCHYARD_CONFIG: config, SWITCHYARD_HTTP_PORT: "0", ...options.agentEnv, ...reconcile }));
    processes.push(agent);
    await agent.waitForOutput(new RegExp(`${name} listening`));
  }
  const runners = startNodeProcess("sim-runners", "libs/gitlab-sim/dist/runners-main.js", {
    SIM_BROKER_URL: layout.brokerUrl, SIM_FLEET_FILE: layout.fleetFile, SIM_SPEED: String(options.speed), SIM_METRICS_PORT: String(ports.runnersMetrics),
  });
  processes.push(runners);
  await runners.waitForOutput(/sim-runners started/);

  return {
    fleet, gitlabUrl, processes, runnersUrl: `http://127.0.0.1:${ports.runnersMetrics}`,
    async submitJobs(count) {
      const specs = Array.from({ length: count }, (_, i) => {
        const pool = fleet.pools[i % fleet.pools.length]!;
        const deploy = i % 10 === 0;
        return {
          name: deploy ? "deploy-production" : `test ${i}`, stage: deploy ? "deploy" : "test",
          projectId: 1 + (i % 5), tags: pool.tags, durationSeconds: 30 + (i % 7) * 10,
          ...(deploy ? { environment: { name: "production", tier: "production", action: "start" } } : {}),
        };
      });
      const res = await fetch(`${gitlabUrl}/sim/jobs`, { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify(specs) });
      if (res.status >= 300) throw new Error(`POST /sim/jobs answered ${res.status}`);
      return ((await res.json()) as { ids: number[] }).ids;
    },
    async job(id) {
      return (await fetch(`${gitlabUrl}/sim/jobs/${id}`, { headers: admin })).json();
    },
    async simStats() {
      const body = (await (await fetch(`${gitlabUrl}/sim/stats`, { headers: admin })).json()) as { jobs?: Record<string, number> } & Record<string, number>;
      return body.jobs ?? body;
    },
    async stop() {
      for (const p of [...processes].reverse()) await p.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
