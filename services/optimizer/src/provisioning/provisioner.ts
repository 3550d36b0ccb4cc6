/** Lifecycle states of a provisioned machine, after fleeting's provider.State. */
export const MachineState = {
  creating: "creating", running: "running", deleting: "deleting", deleted: "deleted", failed: "failed",
} as const;
export type MachineState = (typeof MachineState)[keyof typeof MachineState];

/** One machine a provisioner manages; `id` is also the runnerId its gitlab-runner reports as. */
export interface Machine {
  id: string;
  pool: string;
  /** The optimizer instance that created it; orphaned when that instance's heartbeat expires. */
  owner: string;
  state: MachineState;
  createdAt: number;
  /** Jobs it has run, when the provisioner knows (max_use_count recycling). */
  jobsRun?: number;
}

/** Creates and destroys runner machines for a pool; implemented by a module or an executable. */
export interface Provisioner {
  create(pool: string): Promise<{ id: string }>;
  list(pool: string): Promise<Machine[]>;
  status(id: string): Promise<Machine>;
  destroy(id: string): Promise<void>;
}

/** Error codes a provisioner call can fail with. */
export const ProvisionerErrorCode = {
  timeout: "PROVISIONER_TIMEOUT",
  badOutput: "PROVISIONER_BAD_OUTPUT",
  failed: "PROVISIONER_FAILED",
  notFound: "PROVISIONER_NOT_FOUND",
} as const;
export type ProvisionerErrorCode = (typeof ProvisionerErrorCode)[keyof typeof ProvisionerErrorCode];

/** A provisioner call that failed: which operation, why, and whether trying again can help. */
export class ProvisionerError extends Error {
  readonly retryable: boolean;
  constructor(readonly code: ProvisionerErrorCode, readonly op: string, message: string, options?: { cause?: unknown }) {
    super(`provisioner ${op}: ${message}`, options);
    this.name = "ProvisionerError";
    this.retryable = code === ProvisionerErrorCode.timeout || code === ProvisionerErrorCode.failed;
  }
}

const STATES = new Set<string>(Object.values(MachineState));

/** Validates one machine record from an untrusted source (script output, Redis); throws `badOutput`. */
export function parseMachine(op: string, raw: unknown): Machine {
  const m = raw as Record<string, unknown> | null;
  const problems: string[] = [];
  if (!m || typeof m !== "object") throw new ProvisionerError(ProvisionerErrorCode.badOutput, op, "machine is not an object");
  if (typeof m.id !== "string" || !/^[A-Za-z0-9_-]{1,128}$/.test(m.id)) problems.push("id must match [A-Za-z0-9_-]{1,128}");
  if (typeof m.pool !== "string" || m.pool === "") problems.push("pool must be a non-empty string");
  if (typeof m.owner !== "string") problems.push("owner must be a string");
  if (typeof m.state !== "string" || !STATES.has(m.state)) problems.push(`state must be one of ${[...STATES].join(", ")}`);
  if (typeof m.createdAt !== "number" || !Number.isFinite(m.createdAt)) problems.push("createdAt must be epoch ms");
  if (m.jobsRun !== undefined && (typeof m.jobsRun !== "number" || m.jobsRun < 0)) problems.push("jobsRun must be a non-negative number");
  if (problems.length > 0) throw new ProvisionerError(ProvisionerErrorCode.badOutput, op, problems.join("; "));
  return {
    id: m.id as string, pool: m.pool as string, owner: m.owner as string, state: m.state as MachineState,
    createdAt: m.createdAt as number, ...(m.jobsRun !== undefined ? { jobsRun: m.jobsRun as number } : {}),
  };
}
