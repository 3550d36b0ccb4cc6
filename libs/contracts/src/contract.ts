import { z } from "zod";
import {
  ApprovalAnswerV1, ApprovalRequestV1, ApprovalResultV1, DeadLetterV1, DecisionV1, DurationEstimatesV1, FleetEventV1, HeartbeatV1,
  JobBatchQueuedV1, JobBatchScoredV1, JobOutcomeAny, JobQueuedV1, JobScoredV1, RunnerStateV1, ShadowFifoReportV1, WeightsUpdateV1,
} from "./payloads.js";

/** A named payload schema: the unit the bus validates against. */
export interface Contract<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
}

function contract<S extends z.ZodType>(name: string, schema: S): Contract<z.infer<S>> {
  return { name, schema: schema as z.ZodType<z.infer<S>> };
}

/** Every payload on the bus, by the name used in metrics and dead letters. */
export const contracts = {
  runnerState: contract("runner.state", RunnerStateV1),
  jobQueued: contract("job.queued", JobQueuedV1),
  jobScored: contract("job.scored", JobScoredV1),
  jobBatchQueued: contract("job.batch.queued", JobBatchQueuedV1),
  jobBatchScored: contract("job.batch.scored", JobBatchScoredV1),
  decision: contract("decision", DecisionV1),
  /** Read as v2; a v1 from an older assigner mid-upgrade is upgraded on read. Written as v2 only. */
  jobOutcome: contract("job.outcome", JobOutcomeAny),
  approvalRequest: contract("approval.request", ApprovalRequestV1),
  approvalAnswer: contract("approval.answer", ApprovalAnswerV1),
  approvalResult: contract("approval.result", ApprovalResultV1),
  weightsUpdate: contract("weights.update", WeightsUpdateV1),
  heartbeat: contract("heartbeat", HeartbeatV1),
  fleetEvent: contract("event", FleetEventV1),
  deadLetter: contract("deadletter", DeadLetterV1),
  /** Stored in Redis (keys.durations), not published: optimizer → assigner. */
  durationEstimates: contract("duration.estimates", DurationEstimatesV1),
  /** Stored in Redis (keys.shadowFifo), not published: optimizer → dashboard, `npm start`. */
  shadowFifoReport: contract("shadow-fifo.report", ShadowFifoReportV1),
} as const;

/** Why a payload was refused. Never retried: the same bytes fail the same way. */
export class ContractViolation extends Error {
  readonly code = "CONTRACT_VIOLATION";
  readonly retryable = false;
  constructor(readonly contract: string, readonly reason: string, options?: { cause?: unknown }) {
    super(`${contract}: ${reason}`, options);
    this.name = "ContractViolation";
  }
}

/** Parses raw JSON text against a contract; throws ContractViolation with a readable reason. */
export function decode<T>(c: Contract<T>, raw: string): T {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (cause) {
    throw new ContractViolation(c.name, `not JSON: ${(cause as Error).message}`, { cause });
  }
  return validate(c, data);
}

/** Validates a value against a contract; throws ContractViolation naming each bad field. */
export function validate<T>(c: Contract<T>, data: unknown): T {
  const result = c.schema.safeParse(data);
  if (!result.success) {
    throw new ContractViolation(c.name, z.prettifyError(result.error).replace(/\n/g, "; "), { cause: result.error });
  }
  return result.data;
}
