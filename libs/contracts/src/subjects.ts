/** Every NATS subject Switchyard uses, built from one configurable prefix. */

/** Subject-safe token: pools and runner ids are used as subject segments. */
export const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/;

/** Queue group the scorers join so several scorer processes share the load. */
export const SCORER_QUEUE_GROUP = "switchyard-scorers";

/** Agents that publish heartbeats. */
export const AGENT_NAMES = ["monitor", "scorer", "assigner", "optimizer"] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/** The subject catalogue for one prefix (`switchyard` in production, unique per test). */
export function subjects(prefix: string) {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix)) {
    throw new Error(`subject prefix "${prefix}" must be dot-separated tokens of [A-Za-z0-9_-]`);
  }
  const p = prefix;
  return {
    prefix: p,
    /** monitor → all: one runner's state changed. */
    runnerState: (runnerId: string) => `${p}.runner.state.${token(runnerId)}`,
    runnerStateAll: `${p}.runner.state.>`,
    /** assigner → scorers (request-reply, queue group): a job waits for a decision. */
    jobQueued: (pool: string) => `${p}.job.queued.${token(pool)}`,
    jobQueuedAll: `${p}.job.queued.>`,
    /** assigner → scorers (request-reply, queue group): one dispatch round's jobs, scored in one request. */
    jobBatchQueued: (pool: string) => `${p}.job.batch.${token(pool)}`,
    jobBatchQueuedAll: `${p}.job.batch.>`,
    /** scorers → observers: ranked candidates for a job. */
    jobScored: (pool: string) => `${p}.job.scored.${token(pool)}`,
    jobScoredAll: `${p}.job.scored.>`,
    /** assigner → all: a decision with its explanation. */
    decision: (pool: string) => `${p}.decision.${token(pool)}`,
    decisionAll: `${p}.decision.>`,
    /** assigner → optimizer (JetStream): a job started or finished. */
    jobOutcome: (pool: string) => `${p}.job.outcome.${token(pool)}`,
    jobOutcomeAll: `${p}.job.outcome.>`,
    /** assigner → humans: a supervised decision awaits an answer on `approvalAnswer`. */
    approvalRequest: (jobClass: string) => `${p}.approval.request.${token(jobClass)}`,
    approvalRequestAll: `${p}.approval.request.>`,
    /**
     * approver → assigner (request-reply): a human's answer, on the subject of the principal who
     * gives it. The server lets each approver publish only its own, so the token is who answered.
     */
    approvalAnswer: (principal: string) => `${p}.approval.answer.${token(principal)}`,
    approvalAnswerAll: `${p}.approval.answer.*`,
    /** optimizer → scorers: new plugin weights. */
    weightsUpdate: `${p}.weights.update`,
    /** every agent: liveness. */
    heartbeat: (agent: AgentName) => `${p}.heartbeat.${agent}`,
    heartbeatAll: `${p}.heartbeat.>`,
    /** any agent: fleet events (draining, recycling, breaker transitions); a dotted kind ("runner.draining") becomes dotted tokens. */
    event: (kind: string) => `${p}.event.${kind.split(".").map(token).join(".")}`,
    eventAll: `${p}.event.>`,
    /** any agent: a message that failed its contract, with the reason. */
    deadLetter: (kind: string) => `${p}.deadletter.${token(kind)}`,
    deadLetterAll: `${p}.deadletter.>`,
    /** assigner internal: wake a broker replica holding a runner's long poll. */
    runnerWake: (runnerId: string) => `${p}.internal.wake.${token(runnerId)}`,
    runnerWakeAll: `${p}.internal.wake.>`,
    /** JetStream stream that keeps outcomes across restarts. */
    outcomeStream: `${p.replace(/[.]/g, "_")}_outcomes`.toUpperCase(),
    /** JetStream stream that keeps every dead letter (`deadLetterAll`) for an operator to inspect or replay. */
    deadLetterStream: `${p.replace(/[.]/g, "_")}_deadletter`.toUpperCase(),
  } as const;
}

export type Subjects = ReturnType<typeof subjects>;

function token(value: string): string {
  if (!SUBJECT_TOKEN.test(value)) throw new Error(`"${value}" cannot be a subject token`);
  return value;
}
