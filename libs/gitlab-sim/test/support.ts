import { createLogger } from "@switchyard/runtime";
import { createSimulatedGitLab, type SimulatedGitLab, type SimulatedGitLabOptions } from "../src/index.js";

export const ADMIN = "glpat-test-admin-token";
export const silent = createLogger({ name: "test", level: "silent" });

/** Registered runners most tests use. */
export const RUNNERS = {
  linux: { id: 1, token: "glrt-linux-aaaaaaaaaa", tags: ["linux"], runUntagged: true, runnerType: "project_type" as const },
  protectedOnly: { id: 2, token: "glrt-prot-bbbbbbbbbb", tags: ["linux"], runUntagged: true, accessLevel: "ref_protected" as const, runnerType: "project_type" as const },
  shared: { id: 3, token: "glrt-shared-cccccccc", tags: ["linux"], runUntagged: true, runnerType: "instance_type" as const },
  gpu: { id: 4, token: "glrt-gpu-dddddddddd", tags: ["gpu", "linux"], runUntagged: false, runnerType: "project_type" as const },
};

/** Starts a sim GitLab with the standard runners and a short long poll. */
export function startSim(overrides: Partial<SimulatedGitLabOptions> = {}): Promise<SimulatedGitLab> {
  return createSimulatedGitLab({ adminToken: ADMIN, log: silent, longPollMs: 2000, runners: Object.values(RUNNERS), ...overrides });
}

export interface CallResult { status: number; headers: Headers; json: any; text: string }

/** One HTTP call with a JSON body; returns status, headers and the parsed body when it is JSON. */
export async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<CallResult> {
  const res = await fetch(url, {
    method, headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : typeof body === "string" || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, json, text };
}

/** POST /jobs/request for a runner token. */
export function requestJob(sim: SimulatedGitLab, token: string, extra: Record<string, unknown> = {}): Promise<CallResult> {
  return call(`${sim.url}/api/v4/jobs/request`, "POST", { token, info: { features: { variables: true } }, ...extra });
}

/** Enqueues a job and picks it with `token`; returns the 201 payload. */
export async function runningJob(sim: SimulatedGitLab, token = RUNNERS.linux.token): Promise<{ id: number; token: string }> {
  sim.enqueueJob({ name: "unit", tags: ["linux"] });
  const res = await requestJob(sim, token);
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status}`);
  return res.json as { id: number; token: string };
}
