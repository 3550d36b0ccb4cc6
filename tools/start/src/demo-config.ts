import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Fleet } from "@switchyard/gitlab-sim";

/** Where each process of the demo finds its configuration and who listens where. */
export interface DemoLayout {
  fleetFile: string;
  assignerConfig: string;
  monitorConfig: string;
  optimizerConfig: string;
  scorerConfig: string;
  brokerUrl: string;
}

export interface DemoPorts {
  gitlab: number;
  broker: number;
  runnersMetrics: number;
}

/** Where the processes find each other: localhost for `npm start`, service names under compose. */
export interface DemoHosts {
  gitlab: string;
  broker: string;
  brokerListen: string;
  runners: string;
}

export const LOCAL_HOSTS: DemoHosts = { gitlab: "127.0.0.1", broker: "127.0.0.1", brokerListen: "127.0.0.1", runners: "127.0.0.1" };

/** How fast simulated time runs (held jobs must be kept alive in simulated time), and how deep each pool pulls. */
export interface DemoTiming {
  speed: number;
  /** Jobs each pool holds beyond its free slots (default 4); a deep look-ahead lets a burst queue in Switchyard, where it can be reordered. */
  lookahead?: number;
}

/** Writes the fleet description and one config file per agent, all derived from one fleet. */
export function writeDemoConfig(dir: string, fleet: Fleet, ports: DemoPorts, timing: DemoTiming, hosts: DemoHosts = LOCAL_HOSTS): DemoLayout {
  const gitlabUrl = `http://${hosts.gitlab}:${ports.gitlab}`;
  const brokerUrl = `http://${hosts.broker}:${ports.broker}`;
  const layout: DemoLayout = {
    fleetFile: join(dir, "fleet.yaml"),
    assignerConfig: join(dir, "assigner.yaml"),
    monitorConfig: join(dir, "monitor.yaml"),
    optimizerConfig: join(dir, "optimizer.yaml"),
    scorerConfig: join(dir, "scorer.yaml"),
    brokerUrl,
  };
  writeFileSync(layout.fleetFile, stringify(fleet));
  writeFileSync(layout.assignerConfig, stringify({
    gitlabUrl,
    brokerHost: hosts.brokerListen,
    brokerPort: ports.broker,
    // What the CLI's add-runner prints as the runners' url (AssignerSettingsV1).
    publicUrl: brokerUrl,
    pools: fleet.pools.map((p) => ({ name: p.name, upstreamToken: p.upstreamToken, lookahead: timing.lookahead ?? 4 })),
    runners: fleet.runners.map((r) => ({ id: r.id, pool: r.pool, token: r.token })),
    longPollMs: 20_000,
    // GitLab 18.x drops a running job after 30 minutes without an update (no_updates_running) and counts a
    // keep-alive only when the last update is 15 minutes old, so a touch can come up to one keep-alive
    // interval plus one sweep after that: keep alive every 2 simulated minutes, sweep every simulated minute.
    keepAliveIntervalMs: Math.max(100, Math.round((2 * 60_000) / timing.speed)),
    // The simulated GitLab's job tokens expire by its own clock (timeout + 5 simulated minutes).
    gitlabClockSpeed: timing.speed,
    sweepIntervalMs: Math.max(50, Math.min(1_000, Math.round(60_000 / timing.speed))),
    approvalWindowMs: 15_000,
    tiers: { "production-deploy": "autonomous" },
  }));
  writeFileSync(layout.monitorConfig, stringify({
    gitlabUrl,
    gitlabToken: fleet.gitlab.adminToken,
    pollIntervalMs: 2_000,
    fleet: fleet.runners.map((r) => ({
      id: r.id, pool: r.pool, gitlabRunnerId: r.gitlabRunnerId,
      metricsUrl: `http://${hosts.runners}:${ports.runnersMetrics}/runners/${r.id}/metrics`,
      ...(r.cpus ? { cpus: r.cpus } : {}), ...(r.memoryGiB ? { memoryGiB: r.memoryGiB } : {}),
    })),
    directRunnerIds: fleet.directRunners.map((d) => d.gitlabRunnerId),
  }));
  // The scorer and optimizer export per-pool series from the first scrape for the pools named here.
  const pools = fleet.pools.map((p) => p.name);
  writeFileSync(layout.optimizerConfig, stringify({
    pools,
    jobQueuingDurations: [
      { periods: ["* * * * * * *"], threshold: "1m" },
      { periods: ["* * * * * sat,sun *"], threshold: "5m" },
    ],
    // Replay a job 45 simulated minutes after it became pending: the demo's jobs wait and run less than that.
    shadowFifo: { intervalMs: 5_000, settleSeconds: Math.round(2_700 / timing.speed), windowSeconds: 600 },
  }));
  writeFileSync(layout.scorerConfig, stringify({ pools }));
  return layout;
}
