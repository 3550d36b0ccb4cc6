// One cycle of the jobs/request fault knob, shared by the 409, 429 and 503 conformance cases:
// while the fault is set the job stays pending and the asking runner gets the fault's status;
// once cleared the same job is handed out, and the simulator counted both requests.
import { expect } from "vitest";
import type { SimulatedGitLab } from "../../src/index.js";
import { ADMIN, RUNNERS, call, requestJob } from "../support.js";

export type JobsRequestFault = { status: number; retryAfterSeconds?: number; times?: number };

export const setJobsRequestFault = (sim: SimulatedGitLab, body: unknown, headers: Record<string, string> = { "PRIVATE-TOKEN": ADMIN }) =>
  call(`${sim.url}/sim/faults/jobs-request`, "PUT", body, headers);

/** Runs the cycle; `checkRefused` asserts what the refused answer must carry (message, Retry-After). */
export async function expectFaultThenRecovery(
  sim: SimulatedGitLab,
  fault: JobsRequestFault,
  checkRefused: (refused: Awaited<ReturnType<typeof requestJob>>) => void,
): Promise<void> {
  const id = sim.enqueueJob({ name: "build", stage: "build", tags: ["linux"], durationSeconds: 1 });
  expect((await setJobsRequestFault(sim, fault)).status).toBe(200);
  const refused = await requestJob(sim, RUNNERS.linux.token);
  expect(refused.status).toBe(fault.status);
  checkRefused(refused);
  expect(sim.job(id)?.status).toBe("pending");
  expect((await call(`${sim.url}/sim/faults/jobs-request`, "DELETE", undefined, { "PRIVATE-TOKEN": ADMIN })).status).toBe(204);
  const picked = await requestJob(sim, RUNNERS.linux.token);
  expect(picked.status).toBe(201);
  expect(picked.json.id).toBe(id);
  const stats = await call(`${sim.url}/sim/stats`, "GET", undefined, { "PRIVATE-TOKEN": ADMIN });
  expect(stats.json.jobRequests).toBe(2);
}
