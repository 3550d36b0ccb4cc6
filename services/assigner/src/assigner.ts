import { hostname } from "node:os";
import { jetstream } from "@nats-io/jetstream";
import { contracts } from "@switchyard/contracts";
import { createReplicaWait, createRunnerRegistry, ensureDeadLetterStream, ensureOutcomeStream, redisKeys, type AgentRuntime } from "@switchyard/runtime";
import { deriveAssignerSettings, type AssignerConfig } from "./config.js";
import { createAssignerMetrics } from "./assigner-metrics.js";
import { createDurationEstimates } from "./deciding/duration-estimates.js";
import { createJobClassifier } from "./deciding/job-classifier.js";
import { createTierOverrides } from "./deciding/tier-overrides.js";
import { createRunnerHealth } from "./deciding/runner-health.js";
import { createScorerClient } from "./deciding/scorer-client.js";
import { createApprovals } from "./deciding/approvals.js";
import { createDecisionRecorder, refusalDecision } from "./decision-recorder.js";
import { createDispatcher, type TieBreakerPort } from "./dispatcher.js";
import { createHandoffTrace } from "./handoff-trace.js";
import { createWarmReserveReader } from "./deciding/warm-reserve.js";
import { startBrokerServer, type BrokerServer } from "./downstream/broker-server.js";
import { createJobProxy } from "./downstream/job-proxy.js";
import { createPollWaiters } from "./downstream/poll-waiters.js";
import { claimSystemId, goPlatform, switchyardVersion } from "./upstream/upstream-identity.js";
import { createRunnerSightings } from "./downstream/runner-sightings.js";
import { createJobLifecycle } from "./job-lifecycle.js";
import { createOutcomeOutbox } from "./outcome-outbox.js";
import { createDispatchQueue } from "./queue/dispatch-queue.js";
import { withDurableWrites } from "./queue/durable-writes.js";
import { createSignal } from "./signal.js";
import { createRedisLlmAuditLog, createTieBreaker } from "./deciding/llm/index.js";
import { createGitLabRunnerApi } from "./upstream/gitlab-runner-api.js";
import { startHeldKeeper } from "./upstream/held-keeper.js";
import { createIntake, failUnreadable } from "./upstream/intake.js";
import { createPoolFeatures } from "./upstream/pool-features.js";
import { startPoolPoller } from "./upstream/pool-poller.js";
import { startReconcile } from "./upstream/reconcile-wiring.js";
import { startSilentHandoffs } from "./upstream/silent-handoffs.js";
import { writeAssignerSettings } from "./settings-record.js";

export interface Assigner {
  readonly broker: BrokerServer;
  stop(): Promise<void>;
}

/**
 * The assigner with its broker: pulls jobs from GitLab per pool, holds them in Redis,
 * decides which runner gets which, and serves downstream runners the GitLab protocol.
 */
export interface AssignerDeps {
  /** The LLM tie-breaker; absent means tie-break off. */
  tieBreaker?: TieBreakerPort;
}

export async function startAssigner(rt: AgentRuntime, config: AssignerConfig, deps: AssignerDeps = {}): Promise<Assigner> {
  const log = rt.log;
  const derived = deriveAssignerSettings(config);
  const keys = redisKeys(config.keyPrefix);
  const metrics = createAssignerMetrics(rt.metrics.registry, { pools: config.pools.map((p) => p.name) });
  // Take-ins and hand-offs wait for a Redis replica and are repaired after a failover (durable-writes.ts).
  const queue = withDurableWrites({
    queue: createDispatchQueue(rt.redis, keys), repairs: metrics.failoverRepairs, log,
    replica: createReplicaWait({ redis: rt.redis, timeoutMs: config.replicaWaitMs, registry: rt.metrics.registry, log }),
  });
  const tiers = createTierOverrides(rt.redis, keys.tierOverrides, config.tiers, log);
  await tiers.refresh().catch((err: unknown) => log.warn({ err: (err as Error).message }, "tier overrides unavailable; using config"));
  const durations = createDurationEstimates({ redis: rt.redis, key: keys.durations, refreshMs: config.durationRefreshMs, log });
  await durations.refresh().catch((err: unknown) => log.warn({ err: (err as Error).message }, "learned run times unavailable; every job counts as unknown duration"));
  durations.start();
  const classifier = createJobClassifier(config.classRules, { ...config.queueOrder, headSize: config.headSize }, tiers.current, durations.expected);
  await writeAssignerSettings(rt.redis, keys.assignerSettings, {
    pools: config.pools.map((p) => p.name), jobClasses: [...classifier.jobClasses()], publicUrl: config.publicUrl ?? null,
  }, log);
  const registry = createRunnerRegistry(rt.redis, keys, config.runners);
  const identity = {
    version: switchyardVersion(), ...goPlatform(),
    systemId: await claimSystemId(rt.redis, keys.systemIds, config.replicaName ?? hostname()),
  };
  log.info({ systemId: identity.systemId, version: identity.version }, "upstream identity (GitLab shows it as this pool runner's manager)");
  const api = createGitLabRunnerApi({ gitlabUrl: config.gitlabUrl, identity, requestTimeoutMs: 120_000 });
  const capacity = createSignal();
  const waiters = createPollWaiters();
  const trace = createHandoffTrace(metrics.handoffStageSeconds);
  const pools = config.pools.map((p) => p.name);

  const replicas = config.jetstreamReplicas;
  await ensureOutcomeStream(rt.nc, rt.bus.subjects, { replicas }).catch((err: unknown) => log.warn({ err: (err as Error).message }, "outcome stream unavailable; outcomes go out on plain NATS"));
  await ensureDeadLetterStream(rt.nc, rt.bus.subjects, { replicas }).catch((err: unknown) => log.warn({ err: (err as Error).message }, "dead-letter stream unavailable; dead letters go out on plain NATS only"));
  const js = jetstream(rt.nc);

  const scorer = createScorerClient({
    bus: rt.bus, log, budgetMs: config.scorerBudgetMs, failuresToOpen: config.breakerFailures,
    halfOpenAfterMs: config.breakerHalfOpenMs, breakerState: metrics.breakerState, breakerTransitions: metrics.breakerTransitions,
    onTransition: (state, reason) => {
      const at = Date.now();
      rt.redis.set(keys.breaker, JSON.stringify({ state, at, reason, instance: rt.instanceId })).catch(rt.background("breaker state"));
      try {
        rt.bus.publish(contracts.fleetEvent, rt.bus.subjects.event(`breaker.${state === "half-open" ? "half_open" : state}`), {
          v: 1, kind: `breaker.${state}`, runnerId: null, pool: null, reason, details: { instance: rt.instanceId }, at,
        });
      } catch { /* NATS may be the reason the breaker opened */ }
    },
  });

  // Wake-ups cross replicas over NATS; a lost one is covered by the poll's own re-check.
  const wakeSub = rt.nc.subscribe(rt.bus.subjects.runnerWakeAll, {
    callback: (_err, msg) => waiters.wake(msg.subject.slice(msg.subject.lastIndexOf(".") + 1)),
  });
  const wake = (runnerId: string) => {
    waiters.wake(runnerId);
    try { rt.nc.publish(rt.bus.subjects.runnerWake(runnerId)); } catch { /* NATS down: re-check covers it */ }
  };

  const approvals = createApprovals({ bus: rt.bus, log, redis: rt.redis, keys, background: rt.background });
  const recorder = createDecisionRecorder({
    bus: rt.bus, redis: rt.redis, recentKey: keys.recentDecisions, log,
    decisions: metrics.decisions, decisionSeconds: metrics.decisionSeconds, background: rt.background,
  });
  const tieBreaker = deps.tieBreaker ?? createTieBreaker({
    config: { ...config.llm, ...(config.anthropicApiKey ? { apiKey: config.anthropicApiKey } : {}) },
    audit: createRedisLlmAuditLog(rt.redis, keys.llmAudit), log, metrics: { registry: rt.metrics.registry },
  });
  log.info({ llmTieBreak: tieBreaker.enabled ? config.llm.model : "off (no ANTHROPIC_API_KEY)" }, "LLM tie-break");
  const health = createRunnerHealth(rt.redis, keys.runners, log, rt.records);
  await health.refresh().catch(() => undefined);
  const warmReserve = createWarmReserveReader(rt.redis, keys, log, rt.records);
  const dispatcher = createDispatcher({
    queue, classifier, scorer, tieBreaker, placeable: health.placeable, approvals, recorder, log, wake,
    placement: { marginRatio: config.marginRatio, maxCandidates: config.maxCandidates },
    reservationTtlMs: config.reservationTtlMs, approvalWindowMs: config.approvalWindowMs,
    pollFreshMs: derived.pollFreshMs, headSize: config.headSize, warmReserve: warmReserve.parse, trace,
  });

  const outbox = createOutcomeOutbox({
    redis: rt.redis, key: keys.outcomeOutbox, js, subjects: rt.bus.subjects, log, maxEntries: config.outboxMaxEntries,
    ensureStream: () => ensureOutcomeStream(rt.nc, rt.bus.subjects, { replicas }),
    metrics: { depth: metrics.outboxDepth, publishFailures: metrics.outcomePublishFailures, dropped: metrics.outcomesDropped, outcomes: metrics.outcomes },
  });
  const lifecycle = createJobLifecycle({
    queue, outbox, log,
    onSlotFreed: (pool) => { capacity.notify(); dispatcher.requestRound(pool); },
  });

  const features = createPoolFeatures({ redis: rt.redis, keys, pools: config.pools, log, memoryMs: config.featureMemoryMs });
  await features.refresh().catch((err: unknown) => log.warn({ err: (err as Error).message }, "learned runner features unavailable; advertising defaults until runners poll"));
  const sightings = createRunnerSightings({
    redis: rt.redis, keys, features, log, background: rt.background,
    handoffOf: (jobId) => queue.handoffOf(jobId),
    poolOf: async (runnerId) => (await registry.all()).find((r) => r.id === runnerId)?.pool ?? null,
  });

  const reconcile = startReconcile({
    rt, config, queue, api, recovered: metrics.reconciled,
    onRetried: (pool, job) => lifecycle.lostAndRetried(pool, job),
  });

  const takeIn = createIntake({ queue, classifier, log, onUnreadable: (reason, job) => failUnreadable(api, log, reason, job) });
  // The poller calls the intake the moment GitLab's answer with a job is in: its start is the hand-off's first mark.
  const intake: typeof takeIn = async (pool, body) => {
    const receivedAt = Date.now();
    const meta = await takeIn(pool, body);
    if (meta) { trace.mark(meta.jobId, "received", receivedAt); trace.mark(meta.jobId, "intake", Date.now()); }
    return meta;
  };
  const pollers = config.pools.map((pool) => startPoolPoller({
    pool, api, queue, intake, capacity, log, features: () => features.advertised(pool.name), pulled: metrics.upstreamPolls, systemId: identity.systemId,
    concurrency: config.upstreamConcurrency, burst: config.upstreamBurst, checkIntervalMs: config.checkIntervalMs,
    freeSlots: () => queue.pollingCount(pool.name, Date.now() - config.longPollMs - 30_000),
    jobArrived: (p) => dispatcher.requestRound(p),
  }));

  const proxy = createJobProxy({
    gitlabUrl: config.gitlabUrl, log, maxUpdateBytes: config.maxBodyBytes,
    bodyDeadlineMs: config.bodyDeadlineMs, bodyIdleTimeoutMs: config.uploadIdleTimeoutMs, onSlowBody: (kind) => metrics.slowRequests.inc({ kind }),
    onJobUpdate: (update) => { sightings.jobCall(update.jobId); reconcile.seen(update.jobId); lifecycle.observe(update).catch(rt.background("outcome tracking")); },
    onJobSeen: (jobId) => { lifecycle.seen(jobId); sightings.jobCall(jobId); reconcile.seen(jobId); },
  });

  const broker = await startBrokerServer({
    registry, queue, waiters, proxy, log, longPollMs: config.longPollMs, maxBodyBytes: config.maxBodyBytes,
    timeouts: { headersMs: config.headersTimeoutMs, bodyDeadlineMs: config.bodyDeadlineMs }, onSlowBody: (kind) => metrics.slowRequests.inc({ kind }),
    metrics: { requests: metrics.requests, handoffs: metrics.handoffs, handoffSeconds: metrics.handoffSeconds },
    onRunnerPoll: (runner, body) => sightings.polled(runner, body),
    // The poll is in the polling set already (answerPoll): a round can place a job on it now.
    onRunnerAsking: (_runner, poll) => {
      capacity.notify();
      dispatcher.requestRound(poll.pool);
    },
    // Redis may be down right when a runner drops its poll: the entry then ages out (pollFreshMs).
    onRunnerGone: (_runner, poll) => { queue.unmarkPolling(poll).catch(rt.background("unmark polling")); },
    background: rt.background, trace,
    onHandoff: (runner, jobId) => { sightings.handedOff(runner, jobId); capacity.notify(); },
  }, config.brokerHost, config.brokerPort);

  const keeper = startHeldKeeper({
    queue, api, pools, log, keepAliveIntervalMs: config.keepAliveIntervalMs, maxHoldMs: config.maxHoldSeconds * 1000,
    handoffAckTimeoutMs: config.handoffAckTimeoutMs, sweepIntervalMs: config.sweepIntervalMs, events: metrics.heldEvents,
    pollFreshMs: derived.pollFreshMs,
    minRunSecondsLeft: config.minRunSecondsLeft, gitlabClockSpeed: config.gitlabClockSpeed,
    async onDropped(pool, jobId, end) {
      if (end.end === "token-expiring") {
        // Deciding to hand a job to nobody is a decision too: recorded, and the outcome points at it.
        const meta = await queue.meta(jobId);
        if (meta) {
          const decision = refusalDecision(meta, end.end, end.reason, Date.now());
          recorder.publish(decision, 0);
          await queue.updateMeta({ ...meta, decisionId: decision.decisionId });
        }
      }
      await lifecycle.endedWithoutRunner(pool, jobId, end);
    },
    onRequeued: (pool) => dispatcher.requestRound(pool),
  });

  const silent = startSilentHandoffs({
    queue, api, sightings: reconcile, log, silentMs: config.silentHandoffMs, intervalMs: config.silentHandoffCheckMs,
    events: metrics.heldEvents, onEnded: (pool, jobId, end) => lifecycle.endedWithoutRunner(pool, jobId, end),
  });

  const gauges = setInterval(() => {
    metrics.waitingPolls.set(waiters.count());
    // A safety net: a round now and then, whatever events were missed.
    for (const pool of pools) dispatcher.requestRound(pool);
    for (const pool of pools) queue.depth(pool).then((d) => metrics.queueDepth.set({ pool }, d)).catch(rt.background("queue depth gauge"));
  }, 1_000);
  gauges.unref();
  // A restarted broker resumes what Redis holds: dispatch whatever is queued.
  for (const pool of pools) dispatcher.requestRound(pool);

  log.info({ broker: broker.url, pools }, "assigner broker listening");
  return {
    broker,
    async stop() {
      clearInterval(gauges);
      keeper.stop();
      silent.stop();
      await reconcile.stop();
      dispatcher.stop();
      approvals.stop();
      tiers.stop();
      durations.stop();
      health.stop();
      features.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      await broker.close();
      await dispatcher.idle();
      wakeSub.unsubscribe();
      await proxy.close();
      await api.close();
      // One last drain, bounded: what it cannot send stays in Redis for the next assigner (or a replica).
      await Promise.race([outbox.drain(), new Promise((r) => setTimeout(r, 2_000).unref())]);
      outbox.stop();
    },
  };
}
