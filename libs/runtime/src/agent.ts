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
import { connectNats } from "./nats.js";
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
  /** Adds a route to the agent's HTTP server (dashboard, broker endpoints). */
  addRoute(route: RouteHandler): void;
  /** Marks the agent ready for /readyz and heartbeats. */
  setReady(ready: boolean): void;
}

export interface StartAgentOptions {
  agent: AgentName;
  config: BaseConfig;
  routes?: RouteHandler[];
  /** Off in tests that run several agents in one process. */
  handleSignals?: boolean;
}

/**
 * Connects NATS and Redis, starts the HTTP server and heartbeat, and registers
 * their shutdown (drain NATS, close Redis) in the right order.
 */
export async function startAgentRuntime(options: StartAgentOptions): Promise<AgentRuntime> {
  const { agent, config } = options;
  const instanceId = config.instanceId ?? `${agent}-${hostname()}-${process.pid}`;
  const log = createLogger({ name: agent, level: config.logLevel }).child({ instance: instanceId });
  const lifecycle = createLifecycle({ log, handleSignals: options.handleSignals ?? true });
  const metrics = createMetrics(agent);
  const nc = await connectNats(config.natsUrl, instanceId, log);
  lifecycle.onShutdown("nats", async () => { await nc.drain(); });
  const redis = await connectRedis(config.redisUrl, instanceId, log);
  lifecycle.onShutdown("redis", async () => { await redis.quit().catch(() => redis.disconnect()); });
  const bus = createBus({ nc, prefix: config.subjectPrefix, agent, log, metrics });
  let ready = false;
  const routes: RouteHandler[] = [...(options.routes ?? [])];
  const http = await startAgentHttpServer({
    host: config.httpHost, port: config.httpPort, registry: metrics.registry, isReady: () => ready, routes, log,
  });
  lifecycle.onShutdown("http", () => http.close());
  const stopHeartbeat = startHeartbeat(bus, agent, instanceId, config.heartbeatIntervalMs, () => ready);
  lifecycle.onShutdown("heartbeat", () => stopHeartbeat());
  log.info({ http: http.url }, `${agent} listening`);
  return {
    agent, instanceId, log, metrics, nc, redis, bus, lifecycle, http,
    addRoute: (route) => { routes.push(route); },
    setReady: (r) => { ready = r; },
  };
}
