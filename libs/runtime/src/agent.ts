import { hostname } from "node:os";
import type { AgentName } from "@switchyard/contracts";
import type { Redis } from "ioredis";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { createBus, type Bus } from "./bus.js";
import type { BaseConfig } from "./config.js";
import { startHeartbeat } from "./heartbeat.js";
import { startAgentHttpServer, type AgentHttpServer, type RouteHandler } from "./http-server.js";
import { createLifecycle, type Lifecycle } from "./lifecycle.js";
import { createLogger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { connectNats, natsConnectionState } from "./nats.js";
import { installProcessGuard, type BackgroundFailure } from "./process-guard.js";
import { createRecordReader, type RecordReader } from "./record-reader.js";
import { connectRedis } from "./redis.js";

/** Everything an agent's composition root wires into its behaviour. */
export interface AgentRuntime {
  readonly agent: AgentName;
  readonly instanceId: string;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly nc: NatsConnection;
  readonly redis: Redis;
  readonly bus: Bus;
  readonly lifecycle: Lifecycle;
  readonly http: AgentHttpServer;
  /** The agent's reader of shared Redis records: a bad one is counted on /metrics, logged once, read as absent. */
  readonly records: RecordReader;
  /** Catch handler for fire-and-forget calls: counted and logged once per distinct error. */
  readonly background: BackgroundFailure;
  /** Adds a route to the agent's HTTP server (dashboard, broker endpoints). */
  addRoute(route: RouteHandler): void;
  /**
   * Marks the agent's own loop ready. /readyz and heartbeats say ready only while this holds, NATS
   * and Redis are connected, and shutdown has not begun.
   */
  setReady(ready: boolean): void;
  /** What /readyz answers now. */
  isReady(): boolean;
}

export interface StartAgentOptions {
  agent: AgentName;
  config: BaseConfig;
  routes?: RouteHandler[];
  /** Off in tests that run several agents in one process: no signal or process-error handlers. */
  handleSignals?: boolean;
  /** How the process exits after a signal (0) or an uncaught exception (1); tests replace it. */
  exit?: (code: number) => void;
}

/**
 * Connects NATS and Redis, starts the HTTP server and heartbeat, and registers
 * their shutdown (drain NATS, close Redis) in the right order.
 */
export async function startAgentRuntime(options: StartAgentOptions): Promise<AgentRuntime> {
  const { agent, config } = options;
  const instanceId = config.instanceId ?? `${agent}-${hostname()}-${process.pid}`;
  const log = createLogger({ name: agent, level: config.logLevel }).child({ instance: instanceId });
  const handleSignals = options.handleSignals ?? true;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const lifecycle = createLifecycle({ log, handleSignals, exit });
  const metrics = createMetrics(agent);
  const guard = installProcessGuard({
    log, registry: metrics.registry, installHandlers: handleSignals,
    onFatal: () => { void lifecycle.shutdown("uncaught exception").finally(() => exit(1)); },
  });
  lifecycle.onShutdown("process-guard", () => guard.uninstall());
  // With an nkey the agent is the table's user of its own name (the one whose inbox it may read).
  const nc = await connectNats(config.natsUrl, instanceId, log, { ...(config.natsNkeySeed ? { nkeySeed: config.natsNkeySeed } : {}), user: agent });
  lifecycle.onShutdown("nats", async () => { await nc.drain(); });
  const natsConnected = natsConnectionState(nc, guard.background("nats status"));
  const redis = await connectRedis(config, instanceId, log, { registry: metrics.registry });
  lifecycle.onShutdown("redis", async () => { await redis.quit().catch(() => redis.disconnect()); });
  const bus = createBus({ nc, prefix: config.subjectPrefix, agent, log, metrics });
  let ready = false;
  // Readiness follows the connections: a balancer or a rollout stops sending work while either is
  // down, and shutdown takes the agent out before its connections close.
  const isReady = () => ready && !lifecycle.stopping && natsConnected() && redis.status === "ready";
  const routes: RouteHandler[] = [...(options.routes ?? [])];
  const http = await startAgentHttpServer({
    host: config.httpHost, port: config.httpPort, registry: metrics.registry, isReady, routes, log,
  });
  lifecycle.onShutdown("http", () => http.close());
  const stopHeartbeat = startHeartbeat(bus, agent, instanceId, config.heartbeatIntervalMs, isReady);
  lifecycle.onShutdown("heartbeat", () => stopHeartbeat());
  log.info({ http: http.url }, `${agent} listening`);
  return {
    agent, instanceId, log, metrics, nc, redis, bus, lifecycle, http, background: guard.background,
    records: createRecordReader(log, metrics.unreadableRecords),
    addRoute: (route) => { routes.push(route); },
    setReady: (r) => { ready = r; },
    isReady,
  };
}
