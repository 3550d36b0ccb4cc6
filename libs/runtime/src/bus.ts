import {
  ContractViolation, contracts, decode, subjects as buildSubjects, validate,
  type Contract, type Subjects,
} from "@switchyard/contracts";
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { createOnceFilter, deadLetterRecord, deadLetterSubject } from "./dead-letter.js";
import type { Metrics } from "./metrics.js";

/** Receives a payload that already passed its contract. */
export type Handler<T> = (payload: T, msg: Msg) => void | Promise<void>;

/**
 * How a payload is sent. `built`: the sender built it itself from typed values on a hot path (a score
 * request, a decision), so it goes out without being validated again; the receiver still validates it.
 */
export interface SendOptions {
  built?: boolean;
}

/** Validated publish, subscribe and request over NATS; bad input is dead-lettered, never thrown at the loop. */
export interface Bus {
  readonly subjects: Subjects;
  readonly nc: NatsConnection;
  publish<T>(contract: Contract<T>, subject: string, payload: T, options?: SendOptions): void;
  /**
   * Delivers payloads that pass their contract and look plausible: no sender time (`at`, `updatedAt`)
   * ahead of this agent's clock by more than the allowed skew, and whatever `plausible`
   * adds (a reason string refuses the message). Refused messages are counted and dead-lettered.
   */
  subscribe<T>(contract: Contract<T>, subject: string, handler: Handler<T>, options?: { queue?: string; plausible?: (payload: T) => string | null }): Subscription;
  request<Q, R>(contract: Contract<Q>, subject: string, payload: Q, reply: Contract<R>, timeoutMs: number, options?: SendOptions): Promise<R>;
  respond<T>(msg: Msg, contract: Contract<T>, payload: T): void;
}

export interface BusDeps {
  nc: NatsConnection;
  prefix: string;
  agent: string;
  log: Logger;
  metrics: Metrics;
  /** Event times further ahead than this are refused (a forged "future" state would outlive real ones). */
  maxClockSkewMs?: number;
  now?: () => number;
}

/** Default tolerance for other hosts' clocks; NTP keeps real skew far below it. */
export const MAX_CLOCK_SKEW_MS = 60_000;

/**
 * The times a publisher stamps from its own clock when it sends: `at` (heartbeats, outcomes, events,
 * approvals) and `updatedAt` (runner state). Others (`contactedAt`, `queuedAt`, ...) come from GitLab
 * or the job and may legitimately run ahead (the simulated GitLab's clock does).
 */
const SENDER_TIMES = ["at", "updatedAt"] as const;

/** The first sender time of `payload` ahead of `limit`, as a refusal reason; null when none is. */
export function futureEventTime(payload: unknown, limit: number): string | null {
  if (!payload || typeof payload !== "object") return null;
  for (const key of SENDER_TIMES) {
    const value = (payload as Record<string, unknown>)[key];
    if (typeof value === "number" && value > limit) {
      return `${key} lies in the future (${Math.round((value - limit) / 1000)} s past the allowed clock skew)`;
    }
  }
  return null;
}

export function createBus(deps: BusDeps): Bus {
  const now = deps.now ?? Date.now;
  const maxSkewMs = deps.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS;
  const subjects = buildSubjects(deps.prefix);
  const log = deps.log.child({ component: "bus" });
  const firstTime = createOnceFilter();

  function encode<T>(contract: Contract<T>, payload: T, options?: SendOptions): string {
    return JSON.stringify(options?.built ? payload : validate(contract, payload));
  }

  /** Counts, logs once per contract and subject, and copies the raw bytes to the dead-letter subject. */
  function reject(contract: Contract<unknown>, msg: Msg, violation: ContractViolation): void {
    deps.metrics.invalidMessages.inc({ contract: contract.name, agent: deps.agent });
    if (firstTime(`${contract.name}|${msg.subject}`)) {
      log.warn({ subject: msg.subject, contract: contract.name, reason: violation.reason }, "invalid message dead-lettered");
    }
    try {
      const record = deadLetterRecord(deps.agent, { contract: contract.name, subject: msg.subject, reason: violation.reason, payload: msg.string() });
      deps.nc.publish(deadLetterSubject(subjects, contract.name), encode(contracts.deadLetter, record));
    } catch (err) {
      log.error({ err: (err as Error).message }, "dead-letter publish failed");
    }
  }

  return {
    subjects,
    nc: deps.nc,
    publish(contract, subject, payload, options) {
      deps.nc.publish(subject, encode(contract, payload, options));
    },
    subscribe(contract, subject, handler, options) {
      // Created at 0 once the agent receives this contract, so the first violation shows in increase().
      deps.metrics.invalidMessages.inc({ contract: contract.name, agent: deps.agent }, 0);
      return deps.nc.subscribe(subject, {
        ...(options?.queue ? { queue: options.queue } : {}),
        callback: (err, msg) => {
          if (err) {
            log.error({ err: err.message, subject }, "subscription error");
            return;
          }
          let payload;
          try {
            payload = decode(contract, msg.string());
          } catch (violation) {
            if (violation instanceof ContractViolation) return reject(contract as Contract<unknown>, msg, violation);
            throw violation;
          }
          const implausible = futureEventTime(payload, now() + maxSkewMs) ?? options?.plausible?.(payload) ?? null;
          if (implausible) return reject(contract as Contract<unknown>, msg, new ContractViolation(contract.name, `implausible: ${implausible}`));
          try {
            const done = handler(payload, msg);
            if (done instanceof Promise) {
              done.catch((e: unknown) => log.error({ err: (e as Error).message, subject: msg.subject }, "handler failed"));
            }
          } catch (e) {
            log.error({ err: (e as Error).message, subject: msg.subject }, "handler failed");
          }
        },
      });
    },
    async request(contract, subject, payload, reply, timeoutMs, options) {
      deps.metrics.invalidMessages.inc({ contract: reply.name, agent: deps.agent }, 0);
      const msg = await deps.nc.request(subject, encode(contract, payload, options), { timeout: timeoutMs });
      try {
        return decode(reply, msg.string());
      } catch (violation) {
        if (violation instanceof ContractViolation) reject(reply as Contract<unknown>, msg, violation);
        throw violation;
      }
    },
    respond(msg, contract, payload) {
      msg.respond(encode(contract, payload));
    },
  };
}
