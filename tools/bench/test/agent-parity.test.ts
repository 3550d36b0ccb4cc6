// The replay's claim is that it runs the agents' own decision code. This test holds it to that:
// the same job, the same asking runners and the same scores go through the assigner's real
// dispatcher (its Redis queue on the real server, the scorer, approvals and LLM stood in at the
// dispatcher's ports) and through the bench's Switchyard policy; both must place the job on the
// same runner with the same decision record. A rule added to one path and not the other fails it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Decision, LlmTieBreak } from "@switchyard/contracts";
import {
  defaultDurationLearningConfig, defaultPlacementConfig, defaultQueueOrderConfig, defaultWeights, queueKey, scoreJob, type Placement,
} from "@switchyard/decision";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
import { createJobClassifier } from "../../../services/assigner/src/deciding/job-classifier.js";
import { createDispatcher } from "../../../services/assigner/src/dispatcher.js";
import { createDispatchQueue, type HeldJobMeta } from "../../../services/assigner/src/queue/dispatch-queue.js";
import type { RunnerSpec } from "../src/fleet/fleet.js";
import { createSwitchyardPolicy, placementJobOf, runnerViewsOf } from "../src/policies/switchyard.js";
import { simJobOf } from "../src/sim/simulate.js";
import type { PoolView, SimJob, SimRunner } from "../src/sim/types.js";
import { rules, traceJob } from "./fixtures.js";

const NOW = 3_600_000;
const large: RunnerSpec = { runnerId: "r-large", pool: "linux", tags: ["linux"], limit: 2, speed: 1.25, cpus: 16 };
const small: RunnerSpec = { runnerId: "r-small", pool: "linux", tags: ["linux"], limit: 2, speed: 0.8, cpus: 4 };
const twin: RunnerSpec = { ...large, runnerId: "r-twin" };

/** The pool's runners in the order they started asking (the first one is FIFO's); r-small runs one job already. */
function simRunners(specs: readonly RunnerSpec[]): SimRunner[] {
  return specs.map((spec, i) => ({
    spec, running: spec === small ? 1 : 0, freeSince: spec === small ? [i] : [i, i], finishes: [], recentPipelines: [], recentProjects: [], runTimes: new Map(), busyMs: 0,
  }));
}

function poolView(runners: readonly SimRunner[]): PoolView {
  return {
    pool: "linux", now: NOW, open: runners, totalSlots: runners.length * 2, freeSlots: runners.reduce((n, r) => n + r.spec.limit - r.running, 0),
    runningByProject: new Map(), fleetMedian: () => undefined,
  };
}

const keyOf = (job: SimJob) => queueKey({ arrivedAt: job.arrivedAt, weight: job.weight, expectedDurationS: null }, defaultQueueOrderConfig);

interface Placed { runnerId: string; placement: Placement; llm: LlmTieBreak | null }

function placeInBench(job: SimJob, runners: SimRunner[]): Placed {
  let placed: Placed | undefined;
  const policy = createSwitchyardPolicy({
    name: "switchyard", order: defaultQueueOrderConfig, weights: defaultWeights, learning: defaultDurationLearningConfig, headroom: null,
    onPlaced: (_job, step) => { placed = { runnerId: step.runnerId, placement: step.placement, llm: step.llm ?? null }; },
  });
  policy.enqueue(job, job.arrivedAt);
  const dispatch = policy.next(poolView(runners));
  expect(dispatch?.runner.spec.runnerId).toBe(placed?.runnerId);
  return placed!;
}

let env: TestEnv;
beforeEach(async () => { env = await createTestEnv("agent-parity"); });
afterEach(async () => { await env.close(); });

async function placeInAgent(job: SimJob, runners: SimRunner[]): Promise<Placed> {
  const queue = createDispatchQueue(env.redis, env.keys);
  const view = poolView(runners);
  const placed: Placed[] = [];
  const dispatcher = createDispatcher({
    queue,
    classifier: createJobClassifier(undefined, defaultQueueOrderConfig, () => ({})),
    // The scorer service ranks with scoreJob over its runner views; here over the bench's views of the same runners.
    scorer: {
      state: "closed",
      async scoreBatch(requests) {
        return requests.map((request) => {
          const ranked = scoreJob(request, runnerViewsOf(request, job, view), { weights: defaultWeights });
          return { ok: true, scored: { v: 1, jobId: request.jobId, pool: request.pool, ...ranked, weightsVersion: 0, scorerId: "parity", scoredAt: Date.now(), latencyMs: 0 } };
        });
      },
    },
    tieBreaker: { enabled: false, tieBreak: () => Promise.reject(new Error("the tie-break is off")) },
    approvals: { ask: async () => ({ state: "approved", by: "replay", claimedBy: null, at: Date.now() }), stop: () => undefined },
    recorder: {
      build(held, runnerId, _started, placement) {
        placed.push({ runnerId, placement, llm: held.llm ?? null });
        return { decisionId: `d-${held.jobId}`, rationale: placement.rationale, mode: placement.mode } as Decision;
      },
      publish: () => undefined,
    },
    placeable: () => true,
    log: createLogger({ name: "parity", level: "silent" }),
    wake: () => undefined,
    placement: defaultPlacementConfig,
    reservationTtlMs: 60_000, approvalWindowMs: 1_000, pollFreshMs: 60_000, headSize: 32,
  });
  const meta: HeldJobMeta = { ...placementJobOf(job, keyOf(job)), weight: job.weight, fifoSeq: 1, expectedDurationS: null, projectJobsRunning: null };
  await queue.enqueue(meta, "{}");
  const asked = Date.now() - 10_000;
  for (const [i, r] of runners.entries()) await queue.markPolling({ pool: "linux", runnerId: r.spec.runnerId, systemId: "s_parity", pollId: `p${i}` }, asked + i);
  dispatcher.requestRound("linux");
  await dispatcher.idle();
  dispatcher.stop();
  expect(placed).toHaveLength(1);
  return placed[0]!;
}

function simJob(overrides: Parameters<typeof traceJob>[0], tier?: SimJob["tier"]): SimJob {
  const job = simJobOf(traceJob({ jobId: 41, pipelineId: 7, ...overrides }), rules, 1);
  return { ...job, arrivedAt: NOW - 60_000, ...(tier ? { tier } : {}) };
}

describe("the bench and the assigner place a job alike", () => {
  it.each([
    { case: "a merge-request job goes to the top candidate", job: () => simJob({}), specs: [small, large], mode: "rule", runner: "r-large", why: /^r-large scored .* ahead of r-small/, closeCall: false },
    {
      case: "a production deploy is approved and goes where the rule proposed",
      job: () => simJob({ refClass: "default", stage: "deploy", name: "deploy", environment: "production", environmentTier: "production" }),
      specs: [small, large], mode: "rule", runner: "r-large", why: /\(approved by replay\)$/, closeCall: false,
    },
    { case: "an advisory job goes to the runner that asked first", job: () => simJob({}, "advisory"), specs: [small, large], mode: "rule", runner: "r-small", why: /^advisory: FIFO gave it to r-small; Switchyard would pick r-large/, closeCall: false },
    { case: "a close call keeps the rule choice with the tie-break off", job: () => simJob({}), specs: [twin, large], mode: "rule", runner: "r-large", why: /0% ahead of r-twin/, closeCall: true },
  ])("$case", async ({ job, specs, mode, runner, why, closeCall }) => {
    const inBench = placeInBench(job(), simRunners(specs));
    const inAgent = await placeInAgent(job(), simRunners(specs));
    expect(inAgent.runnerId).toBe(runner);
    expect(inAgent.placement.mode).toBe(mode);
    expect(inAgent.placement.rationale).toMatch(why);
    expect(inBench.runnerId).toBe(inAgent.runnerId);
    expect(inBench.placement).toEqual(inAgent.placement);
    // Only why the LLM was not asked may differ: no API key in the agent, the replay in the bench.
    expect(inBench.llm?.asked ?? null).toBe(inAgent.llm?.asked ?? null);
    expect(inAgent.llm?.asked ?? null).toBe(closeCall ? false : null);
  });
});
