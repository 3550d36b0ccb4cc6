/**
 * The one Redis key layout, built from a configurable prefix. Documented in
 * docs/ARCHITECTURE.md; change both together.
 */
export function redisKeys(prefix: string) {
  const p = prefix;
  return {
    prefix: p,
    /** HASH runnerId → RunnerState JSON (monitor writes; scorer, assigner, dashboard read). */
    runners: `${p}:runners`,
    /** HASH runnerId → JSON of downstream runner registrations (token hash, pool, description). */
    runnerRegistry: `${p}:registry`,
    /** HASH sha256(token) → runnerId: looks up a downstream runner by its token without storing the token. */
    runnerTokens: `${p}:registry:tokens`,
    /** HASH jobId → held job JSON (the GitLab payload, with its job token: the protocol needs it). */
    jobs: `${p}:jobs`,
    /** HASH jobId → job metadata JSON without secrets (class, pool, arrival, decision). */
    jobMeta: `${p}:jobs:meta`,
    /** ZSET per pool: held jobs awaiting a decision, scored by queue order (lower first). */
    queue: (pool: string) => `${p}:queue:${pool}`,
    /** ZSET per pool: jobs taken from GitLab still held, by arrival time (keep-alive and max hold). */
    held: (pool: string) => `${p}:held:${pool}`,
    /** LIST per runner: jobs reserved for that runner, oldest first. */
    reserved: (runnerId: string) => `${p}:reserved:${runnerId}`,
    /** ZSET: reservations by deadline; an uncollected one goes back to its queue. */
    reservationDeadlines: `${p}:reservations`,
    /** STRING with TTL per poll (its `polling` member): the job that poll collected, so a collect re-sent after its answer was lost returns the same job. */
    collected: (poll: string) => `${p}:collected:${poll}`,
    /** HASH jobId → runnerId: every hand-off, exactly one per job. */
    handoffs: `${p}:handoffs`,
    /** ZSET per pool: runners with an open long poll (free-slot signal), scored by last poll time. */
    polling: (pool: string) => `${p}:polling:${pool}`,
    /** HASH replica name (host name) → the upstream `system_id` that assigner replica claimed once and keeps across restarts. */
    systemIds: `${p}:system-ids`,
    /** HASH per pool: runnerId → JSON {features, at}: the `info.features` the runner last sent in a poll (the pool advertises their intersection upstream). */
    runnerFeatures: (pool: string) => `${p}:features:${pool}`,
    /** HASH runnerId → RunnerContactV1 JSON: the broker's own sightings of a downstream runner (assigner writes; monitor reads for health). */
    runnerContacts: `${p}:runner-contacts`,
    /** HASH runnerId → long-poll version, bumped on every reservation for that runner. */
    runnerVersions: `${p}:runner-versions`,
    /** HASH msgId (`<jobId>:<phase>`) → JobOutcomeV2 JSON: outcomes not yet acknowledged by JetStream (the assigner's outbox). */
    outcomeOutbox: `${p}:outbox:outcomes`,
    /** HASH runnerId → number of jobs Switchyard handed to it that have not finished. */
    runnerLoad: `${p}:load`,
    /** ZSET per project and environment: held deploy jobs by GitLab job id; only the oldest may be placed. */
    deployOrder: (projectId: number, environment: string) => `${p}:deploys:${projectId}:${environment}`,
    /** ZSET per pool: `projectId:jobId:weight` of top-class jobs dispatched, by time (the per-project budget; the optimizer's urgent starts). */
    highClassDispatches: (pool: string) => `${p}:high-class:${pool}`,
    /** HASH per pool: projectId → jobs handed to runners and not finished (fair scheduling). */
    projectLoad: (pool: string) => `${p}:project-load:${pool}`,
    /** STRING per pool: arrival sequence for FIFO order. */
    sequence: (pool: string) => `${p}:seq:${pool}`,
    /** HASH: current scoring weights: version, weights (JSON plugin → weight), reason, frozen, at (optimizer and scorers write, newest version wins). */
    weights: `${p}:weights`,
    /** STRING: DurationEstimatesV1 JSON, run times learned from finished jobs (optimizer writes, assigner reads to order its queue). */
    durations: `${p}:durations`,
    /** STRING: ShadowFifoReportV1 JSON, per class live wait beside the shadow FIFO's (optimizer writes, dashboard and `npm start` read). */
    shadowFifo: `${p}:shadow-fifo`,
    /** HASH jobClass → trust tier set by an operator (CLI `switchyard tier`); wins over the assigner's config. */
    tierOverrides: `${p}:tiers`,
    /** STRING: the assigner's scorer breaker, JSON {state, at, reason} (dashboard, watchers). */
    breaker: `${p}:breaker`,
    /** HASH decisionId → ApprovalRequest JSON: supervised decisions awaiting a human. */
    pendingApprovals: `${p}:approvals:pending`,
    /** STRING per decision, with a TTL: how a supervised decision ended (answered or timed out), so a late answer gets a clear error. */
    settledApproval: (decisionId: string) => `${p}:approvals:settled:${decisionId}`,
    /** LIST: latest decisions (capped), for the dashboard. */
    recentDecisions: `${p}:decisions:recent`,
    /** HASH per pool and job class: queue-time SLI running totals (optimizer writes, dashboard reads).
     *  Fields: jobs, exceeded, overTarget, queueSecondsSum, updatedAt, and `le:<bucket>` (non-cumulative
     *  count per histogram bucket 1,3,10,30,60,120,300,900,1800,3600,+Inf). */
    sliSummary: (pool: string, jobClass: string) => `${p}:sli:summary:${pool}:${jobClass}`,
    /** SET of JSON `{"pool","jobClass"}`: every sliSummary hash that exists. */
    sliSummaryIndex: `${p}:sli:summary-index`,
    /** STRING with TTL per job: its queue time was counted once (dedupe across redeliveries and restarts). */
    sliObserved: (jobId: string) => `${p}:sli:observed:${jobId}`,
    /** STRING with TTL per autoscaled pool: WarmReserveV1 JSON, idle slots held for urgent classes (optimizer writes, assigner reads). */
    warmReserve: (pool: string) => `${p}:warm-reserve:${pool}`,
    /** STRING: AssignerSettingsV1 JSON, the running assigner's pools, job classes and public URL (assigner writes at start, CLI reads). */
    assignerSettings: `${p}:assigner:settings`,
    /** STRING with TTL: agent heartbeats and leases. */
    heartbeat: (agent: string, instanceId: string) => `${p}:heartbeat:${agent}:${instanceId}`,
    lease: (name: string) => `${p}:lease:${name}`,
    /** STRING with TTL per job: epoch ms a broker last proxied a call for it (trace, update, artifacts); reconcile treats it as alive. */
    jobSeen: (jobId: number) => `${p}:jobs:seen:${jobId}`,
    /** STRING: set (any value) by an operator to freeze the optimizer's weight tuning. */
    weightsFrozen: `${p}:weights:frozen`,
    /** HASH per pool: machineId → Machine JSON recorded by the optimizer's local (simulated) provisioner. */
    machines: (pool: string) => `${p}:machines:${pool}`,
    /** SET: pools that have a machines hash (local provisioner). */
    machinePools: `${p}:machines:pools`,
    /** HASH auditId → LLM tie-break audit entry JSON (question sent, raw answer, choice, cost; never the API key),
     *  with LIST `<llmAudit>:order` of auditIds newest first, capped (assigner writes; replay and audit read). */
    llmAudit: `${p}:llm:audit`,
    /** STRING: latest optimizer learning report JSON (plugin accuracy, regret, LLM, trust evidence). */
    learningReport: `${p}:optimizer:learning-report`,
  } as const;
}

export type RedisKeys = ReturnType<typeof redisKeys>;
