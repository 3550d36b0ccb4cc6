import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateFleet, type Fleet, type PoolTemplate, type RunnerWork } from "@switchyard/gitlab-sim";
import { connectNats, connectRedis, deletePrefixKeys, deleteStream, freePort, type Logger, type NatsConnection } from "@switchyard/runtime";
import { subjects } from "@switchyard/contracts";
import { agentExecArgv, agentProcessEnv, startChild, type Child } from "../../../start/dist/children.js";
import { writeDemoConfig } from "../../../start/dist/demo-config.js";
import { findOrStartNats } from "../../../start/dist/local-nats.js";
import { findOrStartRedis, type LocalService } from "../../../start/dist/local-services.js";
import { measureFloor, type Floor } from "./floor.js";

/** The agents the live bench measures, each its own process. */
export const AGENTS = ["scorer", "optimizer", "monitor", "assigner"] as const;
export type AgentName = (typeof AGENTS)[number];
/** The load driver's processes: their CPU is the bench's, not Switchyard's, and is reported apart. */
export const SIMULATORS = ["sim-gitlab", "sim-runners"] as const;

/** One line naming what the sim runners do per job, for every bench's output. */
export function describeRunnerWork(work: RunnerWork): string {
  return work === "light"
    ? "light runners (PUT running, then the final PUT at once: 2 job updates per job, no trace, no simulated work; --full-runners for gitlab-runner's 7)"
    : "full runners (gitlab-runner's 7 job calls per job: PUT running, 5 trace PATCHes, final PUT, with the simulated run time)";
}

/** Shape of the system under test. */
export interface LiveSystemOptions {
  /** Repository root (where libs/ and services/ hold the built dist/). */
  root: string;
  /** Scratch directory for configs and logs (emptied first). */
  workDir: string;
  prefix: string;
  runners: number;
  pools: number;
  /** Slots per runner. */
  limit: number;
  /** Simulated seconds per real second. */
  speed: number;
  natsUrl?: string;
  redisUrl?: string;
  /** Agents started with `node --cpu-prof` (profiles land in workDir/profiles). */
  profile?: readonly string[];
  /**
   * The agents' node flags in place of tools/start's AGENT_NODE_FLAGS (to compare heap settings); unset:
   * what npm start passes.
   */
  agentNodeFlags?: readonly string[];
  /** The agents' extra environment in place of tools/start's AGENT_ENV (e.g. {} to run without it). */
  agentEnv?: Readonly<Record<string, string>>;
  /** Preload the memory sampler into each agent: a line a second in workDir/memory/<agent>.jsonl. */
  memory?: boolean;
  /**
   * `broker` (default): the runners ask Switchyard. `direct`: no agent runs, and each runner is registered
   * with the simulated GitLab under its own token and asks it straight, as a fleet without Switchyard does.
   */
  mode?: "broker" | "direct";
  /**
   * What the sim runners do with a job (SIM_RUNNER_WORK). `light` (default): PUT running, then the final PUT
   * at once, two calls the broker proxies per job; `full`: gitlab-runner's seven (trace PATCHes, simulated
   * work), which makes the bench measure the simulator's traffic as much as the agents' decisions.
   */
  runnerWork?: RunnerWork;
  log: Logger;
}

/** A running system: the sim GitLab, four agents, the sim runners; `stop()` ends them and cleans the prefix. */
export interface LiveSystem {
  readonly gitlabUrl: string;
  readonly adminToken: string;
  readonly fleet: Fleet;
  readonly poolTags: string[][];
  readonly natsUrl: string;
  readonly nc: NatsConnection;
  /** Process ids by name: the four agents plus sim-gitlab and sim-runners. */
  readonly pids: Record<string, number>;
  /** The sim runners' own server: `/received` maps each job id to when a runner got it (wall ms). */
  readonly runnersUrl: string;
  readonly logDir: string;
  readonly profileDir: string;
  /** Each agent's memory-sampler file (empty without `memory`). */
  readonly memoryFiles: Record<string, string>;
  /** NATS and Redis round trips measured before the agents started. */
  readonly floor: Floor;
  /** The assigner's HTTP server (/metrics); null in direct mode. */
  readonly assignerUrl: string | null;
  readonly runnerWork: RunnerWork;
  stop(): Promise<void>;
}

/** Pool templates for a bench fleet: `pool-1`..`pool-n`, each with its own tag. */
export function benchPools(count: number): PoolTemplate[] {
  return Array.from({ length: count }, (_, i) => ({ name: `pool-${i + 1}`, tags: [`bench-${i + 1}`] }));
}

/**
 * The fleet file for a run without Switchyard: every runner registered with GitLab under its own token,
 * with its pool's tags, unpaused (instance runners, like the pools' own registrations).
 */
function writeDirectFleet(file: string, fleet: Fleet): void {
  const pools = new Map(fleet.pools.map((p) => [p.name, p]));
  let id = Math.max(0, ...fleet.pools.map((p) => p.upstreamRunnerId), ...fleet.runners.map((r) => r.gitlabRunnerId ?? 0), ...fleet.directRunners.map((d) => d.gitlabRunnerId)) + 1;
  const directFleet: Fleet = {
    ...fleet,
    runners: fleet.runners.map(({ gitlabRunnerId: _id, ...r }) => r),
    directRunners: fleet.runners.map((r) => ({ gitlabRunnerId: id++, token: r.token, tags: pools.get(r.pool)!.tags, runUntagged: pools.get(r.pool)!.runUntagged ?? false, paused: false })),
  };
  // JSON is YAML too: the sim reads it with its YAML parser.
  writeFileSync(file, JSON.stringify(directFleet, null, 2));
}

/** Starts everything in npm start's order and waits until each process says it is up. */
export async function startLiveSystem(options: LiveSystemOptions): Promise<LiveSystem> {
  const services: LocalService[] = [];
  const children: Child[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const logDir = join(options.workDir, "logs");
  const profileDir = join(options.workDir, "profiles");
  const memoryDir = join(options.workDir, "memory");
  const memoryFiles: Record<string, string> = {};
  const stop = async () => {
    for (const child of [...children].reverse()) await child.stop();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    for (const service of services.reverse()) await service.stop();
  };
  try {
    rmSync(options.workDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
    mkdirSync(profileDir, { recursive: true });
    mkdirSync(memoryDir, { recursive: true });
    const nats = await findOrStartNats(options.natsUrl, { prefix: options.prefix, logFile: join(logDir, "nats-server.log"), warn: (line) => options.log.warn(line) });
    services.push(nats);
    const redisService = await findOrStartRedis(options.redisUrl);
    services.push(redisService);
    const nc = await connectNats(nats.urlFor("cli"), "switchyard-bench", options.log);
    const redis = await connectRedis(redisService.url, "switchyard-bench", options.log);
    cleanups.push(async () => {
      try {
        await deletePrefixKeys(redis, options.prefix);
        // Nobody may delete a stream under the shipped permissions (a refused delete is an error on the
        // connection): on the bench's own nats-server they go with it; without users they are removed here.
        if (!nats.authenticated) {
          for (const stream of [subjects(options.prefix).outcomeStream, subjects(options.prefix).deadLetterStream]) await deleteStream(nc, stream);
        }
      } finally {
        await redis.quit().catch(() => redis.disconnect());
        // Closed before the server stops, so the bench logs no disconnect of its own connection.
        await nc.drain().catch(() => undefined);
      }
    });

    // The floor, before any agent listens: the assigner's identity may publish and subscribe the wake
    // subjects (and answer on them), so one connection echoes to itself through the server.
    const floorNc = await connectNats(nats.urlFor("assigner"), "switchyard-bench-floor", options.log);
    const floor = await measureFloor({
      nc: floorNc, redis, subject: subjects(options.prefix).runnerWake("bench-floor"), key: `${options.prefix}:bench:floor`,
    }).finally(() => floorNc.close());

    const pools = benchPools(options.pools);
    const fleet = generateFleet({ pools, runnersPerPool: Math.ceil(options.runners / options.pools), limit: options.limit, seed: 7 });
    fleet.runners = fleet.runners.slice(0, options.runners);
    const ports = { gitlab: await freePort(), broker: await freePort(), runnersMetrics: await freePort() };
    const layout = writeDemoConfig(options.workDir, fleet, ports, { speed: options.speed });
    const direct = options.mode === "direct";
    const runnerWork = options.runnerWork ?? "light";
    if (direct) writeDirectFleet(layout.fleetFile, fleet);
    const onImportantLine = (name: string, line: string) => options.log.warn({ process: name }, line.slice(0, 400));
    const child = (name: string, script: string, env: Record<string, string>) => {
      const profile = options.profile?.includes(name) ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
      const agent = (AGENTS as readonly string[]).includes(name);
      const heap = agent && options.agentNodeFlags ? [...options.agentNodeFlags] : agentExecArgv(name);
      const memory = agent && options.memory ? ["--import", new URL("./memory-sampler.js", import.meta.url).href] : [];
      if (memory.length) memoryFiles[name] = join(memoryDir, `${name}.jsonl`);
      const execArgv = [...heap, ...memory, ...profile];
      const extraEnv = agent ? { ...(options.agentEnv ?? agentProcessEnv(name)), ...(memoryFiles[name] ? { SWITCHYARD_BENCH_MEMORY_FILE: memoryFiles[name] } : {}) } : {};
      const childEnv = { ...extraEnv, ...env };
      const c = startChild({ name, script: join(options.root, script), env: childEnv, execArgv, logFile: join(logDir, `${name}.log`), onImportantLine });
      children.push(c);
      return c;
    };
    const sim = child("sim-gitlab", "libs/gitlab-sim/dist/gitlab-main.js", {
      SIM_PORT: String(ports.gitlab), SIM_FLEET_FILE: layout.fleetFile, SIM_RATE: "0", SIM_SPEED: String(options.speed), SIM_SEED: "7",
      SIM_LOG_LEVEL: "warn", SIM_LONG_POLL_MS: "20000",
    });
    await sim.waitForLine(/sim-gitlab listening on (\S+)/);
    const agentEnv = (agent: AgentName, config: string) => ({
      NATS_URL: nats.urlFor(agent), REDIS_URL: redisService.url, SWITCHYARD_SUBJECT_PREFIX: options.prefix, SWITCHYARD_KEY_PREFIX: options.prefix,
      SWITCHYARD_CONFIG: config, SWITCHYARD_HTTP_PORT: "0", SWITCHYARD_LOG_LEVEL: "info",
    });
    const configs: Record<AgentName, string> = {
      scorer: layout.scorerConfig, optimizer: layout.optimizerConfig, monitor: layout.monitorConfig, assigner: layout.assignerConfig,
    };
    let assignerUrl: string | null = null;
    if (!direct) {
      // Scorer, optimizer and monitor do not depend on each other; the assigner comes last, as in npm start.
      const early = AGENTS.filter((a) => a !== "assigner").map((name) => child(name, `services/${name}/dist/main.js`, agentEnv(name, configs[name])));
      await Promise.all(early.map((c) => c.waitForLine(new RegExp(`${c.name} listening`), 30_000)));
      const assigner = child("assigner", "services/assigner/dist/main.js", agentEnv("assigner", configs.assigner));
      const up = await assigner.waitForLine(/assigner listening/, 30_000);
      // The agent logs its HTTP address on that line (runtime agent.ts); it listens on every interface.
      assignerUrl = /"http":"([^"]+)"/.exec(up.input ?? "")?.[1]?.replace("0.0.0.0", "127.0.0.1") ?? null;
    }
    const runners = child("sim-runners", "libs/gitlab-sim/dist/runners-main.js", {
      SIM_BROKER_URL: direct ? `http://127.0.0.1:${ports.gitlab}` : layout.brokerUrl, SIM_FLEET_FILE: layout.fleetFile, SIM_SPEED: String(options.speed),
      SIM_METRICS_PORT: String(ports.runnersMetrics), SIM_LOG_LEVEL: "warn", SIM_RUNNER_WORK: runnerWork,
    });
    await runners.waitForLine(/sim-runners started/, 30_000);

    const pids: Record<string, number> = {};
    for (const c of children) if (c.process.pid !== undefined) pids[c.name] = c.process.pid;
    return {
      gitlabUrl: `http://127.0.0.1:${ports.gitlab}`, adminToken: fleet.gitlab.adminToken, fleet,
      poolTags: fleet.pools.map((p) => p.tags), natsUrl: nats.url, nc, pids, logDir, profileDir, memoryFiles, floor, runnerWork, stop, assignerUrl,
      runnersUrl: `http://127.0.0.1:${ports.runnersMetrics}`,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

