import { createGitLabClient } from "@switchyard/gitlab-client";
import { createLease, redisKeys, runAgent } from "@switchyard/runtime";
import { monitorConfigSchema } from "./config.js";
import { createBrokerContacts } from "./broker-contacts.js";
import { createDashboard } from "./dashboard/dashboard.js";
import { createFailureStreaks } from "./failure-streaks.js";
import { createFifoWatchdog } from "./fifo-watchdog.js";
import { createLeadership } from "./leadership.js";
import { createEventEmitter } from "./fleet-events.js";
import { createFleetReader } from "./fleet-reader.js";
import { createGitLabSource } from "./gitlab-source.js";
import { createMonitor } from "./monitor.js";
import { createMonitorMetrics } from "./monitor-metrics.js";
import { createRecycler } from "./recycler.js";
import { createRunnerStateStore } from "./runner-state-store.js";

// Composition root of the monitor agent: the runtime's clients and GitLab's wired into its parts.
await runAgent("monitor", monitorConfigSchema, (rt, config) => {
  const log = rt.log;
  const metrics = createMonitorMetrics(rt.metrics.registry);
  const streaks = createFailureStreaks(log);
  const now = Date.now;
  const emit = createEventEmitter({ bus: rt.bus, log, metrics, now });

  const gitlab = config.gitlabUrl && config.gitlabToken
    ? createGitLabClient({
      url: config.gitlabUrl, token: config.gitlabToken, log,
      retry: { requestTimeoutMs: config.gitlabRequestTimeoutMs, maxAttempts: config.gitlabMaxAttempts },
      onRetry: (info) => metrics.gitlabRetries.inc({ status: info.status === null ? "network" : String(info.status) }),
    })
    : null;

  const store = createRunnerStateStore({ redis: rt.redis, keys: redisKeys(config.keyPrefix), records: rt.records });
  const monitor = createMonitor({
    settings: config,
    reader: createFleetReader({
      gitlab: gitlab ? createGitLabSource({ api: gitlab }) : null, contacts: createBrokerContacts(rt.redis, redisKeys(config.keyPrefix).runnerContacts),
      scrapeTimeoutMs: config.scrapeTimeoutMs, metrics, streaks, log,
    }),
    store,
    bus: rt.bus, emit, metrics, streaks, log, now,
    recycler: gitlab && config.recycling
      ? createRecycler({ fleet: config.fleet, gitlab, emit, streaks, log, maxRecyclingShare: config.maxRecyclingShare, diskThreshold: config.diskThreshold })
      : null,
  });
  rt.addRoute(async (req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/api/fleet") return false;
    // A standby has no fleet in memory: it answers from what the lease holder wrote to Redis.
    const states = leadership.leading() ? monitor.states() : await store.loadAll();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ runners: [...states.values()] }));
    return true;
  });
  rt.addRoute(createDashboard({
    redis: rt.redis, keys: redisKeys(config.keyPrefix), bus: rt.bus, log, token: config.dashboardToken,
    diskThreshold: config.diskThreshold, refreshMs: config.dashboardRefreshMs,
  }));

  const watchdog = gitlab && config.directRunnerIds.length > 0
    ? createFifoWatchdog({ bus: rt.bus, gitlab, directRunnerIds: config.directRunnerIds, thresholdMs: config.watchdogThresholdMs, emit, streaks, log, now })
    : null;
  // Every replica serves the dashboard; only the lease holder polls the fleet and runs the watchdog.
  const leadership = createLeadership({
    lease: createLease({ redis: rt.redis, key: redisKeys(config.keyPrefix).lease("monitor"), ttlMs: config.leaseTtlMs, holder: rt.instanceId }),
    ttlMs: config.leaseTtlMs, log, now,
    onChange: (leading) => metrics.leader.set(leading ? 1 : 0),
    duties: {
      async start() { watchdog?.start(); await monitor.start(); },
      async stop() { await monitor.stop(); await watchdog?.stop(); },
    },
  });
  log.info({ runners: config.fleet.length, gitlab: config.gitlabUrl ?? null, pollIntervalMs: config.pollIntervalMs }, "monitor starting");
  return { start: () => leadership.start(), stop: () => leadership.stop() };
});
