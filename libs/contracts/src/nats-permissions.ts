import { SUBJECT_TOKEN, subjects as buildSubjects } from "./subjects.js";

/**
 * Who may publish and subscribe where: the one table the NATS server configs (npm start, compose,
 * Kubernetes) are generated from, so the server, not our code, refuses a forged message.
 */

/** NATS users Switchyard ships: one per agent, plus `cli` (operators' CLI, an approver). */
export const NATS_USERS = ["assigner", "scorer", "monitor", "optimizer", "cli"] as const;
export type NatsUser = (typeof NATS_USERS)[number];

/** Approval principal of the dashboard: the monitor answers for whoever signed in to it. */
export const DASHBOARD_PRINCIPAL = "dashboard";

/** One user's permissions, in nats-server's terms (allow lists; everything else is denied). */
export interface NatsUserPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** nats-server `allow_responses`: may answer requests it received, and nothing else in _INBOX. */
  readonly allowResponses: boolean;
}

export interface NatsPermissionOptions {
  /** Durable name of the optimizer's outcome consumer (its config `durableName`). */
  durableName?: string;
  /** Human approvers with their own NATS user: the CLI's rights under their own name. */
  approvers?: readonly string[];
}

/**
 * Inbox prefix of a user: request replies and JetStream deliveries come here, and each user may
 * subscribe only to its own, so nobody reads another agent's replies. Unauthenticated: NATS's default.
 */
export function inboxPrefixOf(user: string | undefined): string {
  return user && SUBJECT_TOKEN.test(user) ? `_INBOX.${user}` : "_INBOX";
}

/** The permission table for one subject prefix: user name → permissions. */
export function natsPermissions(prefix: string, options: NatsPermissionOptions = {}): Record<string, NatsUserPermissions> {
  const s = buildSubjects(prefix);
  const p = s.prefix;
  const stream = s.outcomeStream;
  const durable = options.durableName ?? "optimizer";
  // What libs/runtime streams.ts does to create a stream or raise its replica count, for both streams.
  const js = {
    info: "$JS.API.INFO",
    ensureStream: [s.outcomeStream, s.deadLetterStream].flatMap((name) => ["CREATE", "INFO", "UPDATE"].map((op) => `$JS.API.STREAM.${op}.${name}`)),
  };
  const inbox = (user: string) => `${inboxPrefixOf(user)}.>`;
  const deadLetters = s.deadLetterAll;
  const approver = (user: string): NatsUserPermissions => ({
    publish: [s.approvalAnswer(user), s.event("trust.applied"), deadLetters],
    subscribe: [s.decisionAll, s.jobOutcomeAll, s.eventAll, s.approvalRequestAll, s.deadLetterAll, inbox(user)],
    allowResponses: false,
  });
  const table: Record<string, NatsUserPermissions> = {
    assigner: {
      publish: [
        s.jobQueuedAll, s.jobBatchQueuedAll, s.decisionAll, s.jobOutcomeAll, s.approvalRequestAll, `${p}.event.breaker.>`,
        s.heartbeat("assigner"), s.runnerWakeAll, deadLetters, js.info, ...js.ensureStream,
      ],
      subscribe: [s.runnerWakeAll, s.approvalAnswerAll, inbox("assigner")],
      // Answers approval requests (accepted, unknown, expired) to the approver who asked.
      allowResponses: true,
    },
    scorer: {
      publish: [s.jobScoredAll, s.heartbeat("scorer"), deadLetters],
      subscribe: [s.jobQueuedAll, s.jobBatchQueuedAll, s.weightsUpdate, s.runnerStateAll, s.jobOutcomeAll, inbox("scorer")],
      // The scored reply to the assigner's job.queued and job.batch requests.
      allowResponses: true,
    },
    monitor: {
      publish: [
        s.runnerStateAll, `${p}.event.runner.>`, `${p}.event.fifo.>`, s.heartbeat("monitor"),
        s.approvalAnswer(DASHBOARD_PRINCIPAL), deadLetters,
      ],
      subscribe: [s.heartbeat("assigner"), inbox("monitor")],
      allowResponses: false,
    },
    optimizer: {
      publish: [
        s.weightsUpdate, s.event("trust.proposal"), `${p}.event.autoscaler.>`, s.event("runner.recycled"),
        s.heartbeat("optimizer"), deadLetters, js.info, ...js.ensureStream,
        `$JS.API.CONSUMER.CREATE.${stream}.${durable}.>`, `$JS.API.CONSUMER.CREATE.${stream}.${durable}`,
        `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${durable}`, `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
        `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, `$JS.ACK.${stream}.${durable}.>`,
      ],
      // Decisions reach it inside the outcomes (DecisionSummaryV1), durably: no decision.> subscription.
      subscribe: [s.event("runner.recycle-requested"), inbox("optimizer")],
      allowResponses: false,
    },
    cli: approver("cli"),
  };
  for (const name of options.approvers ?? []) {
    if (!SUBJECT_TOKEN.test(name) || name in table || name === DASHBOARD_PRINCIPAL) throw new Error(`approver "${name}" must be a new subject token`);
    table[name] = approver(name);
  }
  return table;
}
