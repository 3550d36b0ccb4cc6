import { contracts, decode, ContractViolation, type JobOutcome, type Subjects } from "@switchyard/contracts";
import { createOnceFilter, deadLetterRecord, deadLetterSubject } from "@switchyard/runtime";
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { Counter } from "prom-client";

/** How often a failing outcome is offered again, and how long between offers. */
export interface OutcomeRetry {
  /** The consumer's `max_deliver`: deliveries of one message, the first included. */
  maxDeliver: number;
  /** Wait before the second delivery; doubled each time up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
}

export interface OutcomeHandlerDeps {
  js: JetStreamClient;
  subjects: Subjects;
  agent: string;
  retry: OutcomeRetry;
  /** Applies one valid outcome; a throw means "try again later". */
  apply: (outcome: JobOutcome) => Promise<void>;
  invalidMessages: Counter<"contract" | "agent">;
  deadLettered: Counter<"cause">;
  log: Logger;
}

/**
 * Handles one message of the durable outcome consumer so that none loops forever: an invalid
 * outcome is copied to the dead-letter stream and acknowledged at once (never `term`, which the
 * NATS 2.9 servers CI installs redeliver); a valid one whose processing keeps failing is retried
 * with a doubling delay and parked there on its last delivery. Each distinct problem is logged once;
 * the rest are counted.
 */
export function createOutcomeHandler(deps: OutcomeHandlerDeps): (msg: JsMsg) => Promise<void> {
  const log = deps.log.child({ component: "outcome-handler" });
  const firstTime = createOnceFilter();
  const contract = contracts.jobOutcome.name;

  const delayAfter = (delivery: number) => Math.min(deps.retry.maxDelayMs, deps.retry.firstDelayMs * 2 ** Math.max(0, delivery - 1));

  /** Copies the message to the dead-letter stream, then acknowledges it; if that fails, a later delivery tries again. */
  async function park(msg: JsMsg, cause: "invalid" | "failed", reason: string): Promise<void> {
    const record = deadLetterRecord(deps.agent, { contract, subject: msg.subject, reason, payload: msg.string() });
    try {
      // The stream sequence as message id: a redelivered copy parked twice is stored once.
      await deps.js.publish(deadLetterSubject(deps.subjects, contract), JSON.stringify(record), { msgID: `${msg.info.stream}:${msg.seq}` });
    } catch (err) {
      const last = msg.info.deliveryCount >= deps.retry.maxDeliver;
      log.error({ err: (err as Error).message, seq: msg.seq, last }, last
        ? "dead-letter publish failed on the last delivery: the outcome stays in its stream, undelivered"
        : "dead-letter publish failed; will retry");
      msg.nak(delayAfter(msg.info.deliveryCount));
      return;
    }
    msg.ack();
    deps.deadLettered.inc({ cause });
    if (firstTime(`${cause}|${problemOf(reason)}`)) {
      log.warn({ subject: msg.subject, seq: msg.seq, cause, reason }, "job outcome dead-lettered (further ones with this problem are only counted)");
    }
  }

  return async (msg) => {
    let outcome: JobOutcome;
    try {
      outcome = decode(contracts.jobOutcome, msg.string());
    } catch (err) {
      if (!(err instanceof ContractViolation)) throw err;
      deps.invalidMessages.inc({ contract, agent: deps.agent });
      return park(msg, "invalid", err.reason);
    }
    try {
      await deps.apply(outcome);
      msg.ack();
    } catch (err) {
      const message = (err as Error).message;
      const delivery = msg.info.deliveryCount;
      if (delivery >= deps.retry.maxDeliver) {
        return park(msg, "failed", `not applied after ${delivery} deliveries: ${message}`);
      }
      if (firstTime(`retry|${problemOf(message)}`)) log.warn({ err: message, jobId: outcome.jobId, delivery }, "observe job outcome failed; will be redelivered");
      msg.nak(delayAfter(delivery));
    }
  };
}

/**
 * A reason with quoted input and numbers taken out, so "not JSON: Unexpected token 'o', "x1" is not
 * valid JSON" and the same error for "x2" are one problem (a parser's message quotes the input).
 */
function problemOf(reason: string): string {
  return reason.replace(/"[^"]*"|'[^']*'/g, "…").replace(/\d+/g, "N");
}
