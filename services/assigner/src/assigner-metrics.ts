import { DecisionModeSchema, TrustTierSchema } from "@switchyard/contracts";
import { initialiseSeries } from "@switchyard/runtime";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { HANDOFF_STAGES } from "./handoff-trace.js";
import { REPAIRED_RECORDS } from "./queue/durable-writes.js";

/** Results of one `jobs/request` call to GitLab that are known up front (`http_<status>` are added as seen). */
export const UPSTREAM_POLL_RESULTS = ["job", "empty", "forbidden", "error"] as const;
/** What can happen to a job Switchyard holds (held-keeper.ts). */
export const HELD_JOB_EVENTS = ["keep_alive", "cancelled_while_held", "max_hold_failed", "token_expiring_failed", "reservation_expired", "handoff_unacked_requeued", "handoff_acked_by_gitlab", "silent_handoff_probed", "silent_handoff_ended"] as const;
/** What reconcile did with a job Switchyard had lost (upstream/reconciler.ts). */
export const RECONCILE_RESULTS = ["retried", "canceling", "failed", "forgotten"] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];
/** The scorer breaker's states, as `switchyard_breaker_transitions_total{to}` names them. */
export const BREAKER_STATES = ["closed", "open", "half-open"] as const;

/**
 * Every metric the assigner exports, registered on the agent's registry, with each series whose
 * labels are known (the configured pools × modes, tiers, results, events) created at 0.
 */
export function createAssignerMetrics(registry: Registry, known: { pools: readonly string[] }) {
  const registers = [registry];
  const metrics = {
    requests: new Counter({ name: "switchyard_broker_requests_total", help: "Runner-facing API requests", labelNames: ["endpoint", "status"] as const, registers }),
    handoffs: new Counter({ name: "switchyard_handoffs_total", help: "Jobs handed to downstream runners", labelNames: ["pool"] as const, registers }),
    handoffSeconds: new Histogram({ name: "switchyard_hold_seconds", help: "Time a job waited in Switchyard before its hand-off", labelNames: ["pool"] as const, buckets: [0.01, 0.1, 0.5, 1, 3, 10, 30, 60, 120, 300, 900, 1800], registers }),
    decisions: new Counter({ name: "switchyard_decisions_total", help: "Decisions by mode and tier", labelNames: ["pool", "mode", "tier"] as const, registers }),
    decisionSeconds: new Histogram({ name: "switchyard_decision_seconds", help: "Time to decide one job", labelNames: ["mode"] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2], registers }),
    upstreamPolls: new Counter({ name: "switchyard_upstream_polls_total", help: "jobs/request calls to GitLab by result", labelNames: ["pool", "result"] as const, registers }),
    heldEvents: new Counter({ name: "switchyard_held_job_events_total", help: "Keep-alives, cancellations, expiries of held jobs", labelNames: ["event"] as const, registers }),
    outcomes: new Counter({ name: "switchyard_job_outcomes_total", help: "Job outcomes observed through the proxy", labelNames: ["pool", "phase", "status"] as const, registers }),
    breakerState: new Gauge({ name: "switchyard_breaker_state", help: "Scorer circuit breaker: 0 closed, 1 open (FIFO), 2 half-open", registers }),
    breakerTransitions: new Counter({ name: "switchyard_breaker_transitions_total", help: "Breaker state changes", labelNames: ["to"] as const, registers }),
    queueDepth: new Gauge({ name: "switchyard_queue_depth", help: "Jobs waiting for a decision", labelNames: ["pool"] as const, registers }),
    slowRequests: new Counter({ name: "switchyard_broker_slow_requests_total", help: "Runner-facing requests ended for slow headers or bodies (408)", labelNames: ["kind"] as const, registers }),
    reconciled: new Counter({ name: "switchyard_reconciled_jobs_total", help: "Redis and GitLab disagreeing about a job: lost jobs cancelled and retried, left canceling or not recovered; hand-offs of jobs GitLab no longer runs forgotten", labelNames: ["pool", "result"] as const, registers }),
    outboxDepth: new Gauge({ name: "switchyard_outcome_outbox_depth", help: "Job outcomes in the Redis outbox not yet acknowledged by JetStream (all replicas' entries; 0 while NATS is healthy)", registers }),
    outcomePublishFailures: new Counter({ name: "switchyard_outcome_publish_failures_total", help: "Outcome publishes to JetStream that failed and stay in the outbox for a retry", registers }),
    outcomesDropped: new Counter({ name: "switchyard_outcomes_dropped_total", help: "Job outcomes lost before reaching the outbox (outbox_full)", labelNames: ["reason"] as const, registers }),
    failoverRepairs: new Counter({ name: "switchyard_redis_failover_repairs_total", help: "Take-ins and hand-offs a Redis failover lost, written again on the new primary before anything was acknowledged", labelNames: ["record"] as const, registers }),
    handoffStageSeconds: new Histogram({
      name: "switchyard_handoff_stage_seconds", help: "Time each stage of a hand-off took, from the job's jobs/request answer to the 201 written to the runner (handoff-trace.ts names the stages)",
      labelNames: ["stage"] as const, buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 3, 10, 60, 300, 1800], registers,
    }),
    waitingPolls: new Gauge({ name: "switchyard_waiting_polls", help: "Runner long polls held by this broker", registers }),
  };
  const pool = known.pools;
  const mode = DecisionModeSchema.options;
  initialiseSeries(metrics.handoffs, { pool });
  initialiseSeries(metrics.handoffSeconds, { pool });
  initialiseSeries(metrics.decisions, { pool, mode, tier: TrustTierSchema.options });
  initialiseSeries(metrics.decisionSeconds, { mode });
  initialiseSeries(metrics.upstreamPolls, { pool, result: UPSTREAM_POLL_RESULTS });
  initialiseSeries(metrics.heldEvents, { event: HELD_JOB_EVENTS });
  initialiseSeries(metrics.outcomes, { pool, phase: ["started"], status: ["running"] });
  initialiseSeries(metrics.outcomes, { pool, phase: ["finished"], status: ["success", "failed", "canceled"] });
  initialiseSeries(metrics.breakerTransitions, { to: BREAKER_STATES });
  initialiseSeries(metrics.queueDepth, { pool });
  initialiseSeries(metrics.reconciled, { pool, result: RECONCILE_RESULTS });
  initialiseSeries(metrics.slowRequests, { kind: ["headers", "deadline", "idle"] });
  initialiseSeries(metrics.outcomesDropped, { reason: ["outbox_full"] });
  initialiseSeries(metrics.handoffStageSeconds, { stage: HANDOFF_STAGES });
  initialiseSeries(metrics.failoverRepairs, { record: REPAIRED_RECORDS });
  return metrics;
}
export type AssignerMetrics = ReturnType<typeof createAssignerMetrics>;
